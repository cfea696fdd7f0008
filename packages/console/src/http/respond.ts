/**
 * Reading form bodies and writing responses, on Node's `http` objects.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidInputError } from '@warden/core';
import type { SafeHtml } from '../html/escape.js';

const MAX_FORM_BYTES = 64 * 1024;

const forms = new WeakMap<IncomingMessage, Promise<URLSearchParams>>();

/** The request's form, read once however often it is asked for. */
export function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  let form = forms.get(request);
  if (form === undefined) {
    form = readFormBody(request);
    forms.set(request, form);
  }
  return form;
}

/** Reads an `application/x-www-form-urlencoded` body of at most 64 KiB. */
async function readFormBody(request: IncomingMessage): Promise<URLSearchParams> {
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new InvalidInputError({
      message: 'Forms must be sent as application/x-www-form-urlencoded',
      issues: [{ path: '', message: 'unsupported content type' }],
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) {
        throw new InvalidInputError({
          message: 'The form is too large',
          issues: [{ path: '', message: `at most ${MAX_FORM_BYTES} bytes` }],
        });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw InvalidInputError.isInstance(error) ? error : unfinishedBody(error);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A body that ended before it was whole: the sender hung up, or the server's request timeout cut
 * a body sent too slowly. The requester's doing, not the console's failure: reported to
 * `onError`, every dropped POST (no sign-in needed) would add a stack trace to the host's log.
 */
function unfinishedBody(cause: unknown): InvalidInputError {
  return new InvalidInputError({
    message: 'The form was not received whole: the connection ended first',
    issues: [{ path: '', message: 'incomplete body' }],
    cause,
  });
}

/** Sends an HTML page. */
export function sendHtml(response: ServerResponse, status: number, page: SafeHtml): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/html; charset=utf-8');
  response.end(page.value);
}

/** Sends JSON. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

/** Redirects with 303 See Other (after a POST, the browser follows with a GET). */
export function redirect(response: ServerResponse, location: string): void {
  response.statusCode = 303;
  response.setHeader('Location', location);
  response.end();
}

/** Sends a static asset. */
export function sendAsset(response: ServerResponse, contentType: string, body: string): void {
  response.statusCode = 200;
  response.setHeader('Content-Type', contentType);
  response.end(body);
}
