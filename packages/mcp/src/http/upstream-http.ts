/**
 * Calls to a Streamable HTTP upstream: one POST per message over kept-alive connections, the
 * answer read from JSON or an event stream; messages the upstream sends before its answer
 * (progress, logging, its own requests to the client) are handed to `relay`.
 *
 * `node:http` rather than `fetch`: per call, `fetch` built a `Request`, web streams and an
 * `AbortSignal` and wrote headers and body separately; this writes one buffer per request.
 *
 * @module
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BackendUnavailableError, completeUtf8Length } from '@warden/core';
import type { McpOutcome } from '../enforcer/messages.js';
import { isRecord } from '../enforcer/messages.js';
import { createEventStreamParser } from './sse.js';

/** Where and how to reach the upstream. */
export interface HttpUpstreamTarget {
  /** The upstream's MCP endpoint. */
  url: string;
  /** Extra headers for it. */
  headers: Record<string, string>;
  /** Answer timeout, in milliseconds. */
  timeoutMs: number;
  /** Largest message, in bytes. */
  maxMessageBytes: number;
}

/** What a POST to the upstream produced. */
export interface HttpUpstreamAnswer {
  /** The outcome of a request (absent for notifications and responses). */
  outcome?: McpOutcome;
  /** The upstream's HTTP status. */
  status: number;
  /** The upstream's session id header, when it sent one. */
  sessionId?: string;
  /** The upstream answered with an event stream. */
  streamed?: boolean;
}

/** Headers of the client's request that the upstream needs to see. */
export interface ForwardedHeaders {
  /** `Mcp-Session-Id`. */
  sessionId?: string;
  /** `MCP-Protocol-Version`. */
  protocolVersion?: string;
}

const httpAgent = new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
const httpsAgent = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' });
const unavailable = (message: string) => new BackendUnavailableError({ backend: 'upstream', message });

/** Where requests to a target go, parsed once per target rather than once per call. */
interface RequestBase {
  secure: boolean;
  hostname: string;
  port: string;
  path: string;
  /** `user:password` from the URL, as `http.request(url)` would send it. */
  auth?: string;
}

const requestBases = new WeakMap<HttpUpstreamTarget, RequestBase>();

function requestBaseOf(target: HttpUpstreamTarget): RequestBase {
  let base = requestBases.get(target);
  if (base === undefined) {
    const url = new URL(target.url);
    base = {
      secure: url.protocol === 'https:',
      // `URL` keeps the brackets of an IPv6 host; `http.request` wants the address alone.
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      path: `${url.pathname}${url.search}`,
      ...(url.username || url.password
        ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` }
        : {}),
    };
    requestBases.set(target, base);
  }
  return base;
}

/** Sends one message; for a request (`id` set), waits for the response with that id. */
export function postToUpstream(
  target: HttpUpstreamTarget,
  message: Record<string, unknown>,
  forwarded: ForwardedHeaders,
  relay: (message: unknown) => void,
): Promise<HttpUpstreamAnswer> {
  const body = Buffer.from(JSON.stringify(message));
  const { secure, hostname, port, path, auth } = requestBaseOf(target);
  return new Promise<HttpUpstreamAnswer>((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)({
      hostname,
      ...(port ? { port } : {}),
      path,
      ...(auth ? { auth } : {}),
      method: 'POST',
      agent: secure ? httpsAgent : httpAgent,
      headers: {
        ...target.headers,
        'content-type': 'application/json',
        'content-length': body.length,
        accept: 'application/json, text/event-stream',
        ...(forwarded.sessionId ? { 'mcp-session-id': forwarded.sessionId } : {}),
        ...(forwarded.protocolVersion ? { 'mcp-protocol-version': forwarded.protocolVersion } : {}),
      },
    });
    const timer = setTimeout(() => outgoing.destroy(unavailable('timed out')), target.timeoutMs);
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(BackendUnavailableError.isInstance(error) ? error : unavailable(`could not be reached: ${String(error)}`));
    };
    outgoing.once('error', fail);
    outgoing.once('response', (response) => {
      // The timer stays until the body ends: an upstream that answers and then never ends its
      // stream loses the connection at the timeout rather than holding it.
      response.once('close', () => clearTimeout(timer));
      readAnswer(target, message, response, relay).then(resolve, fail);
    });
    outgoing.end(body);
  });
}

function readAnswer(
  target: HttpUpstreamTarget,
  message: Record<string, unknown>,
  response: IncomingMessage,
  relay: (message: unknown) => void,
): Promise<HttpUpstreamAnswer> {
  const status = response.statusCode ?? 0;
  const sessionHeader = response.headers['mcp-session-id'];
  const sessionId = typeof sessionHeader === 'string' ? sessionHeader : undefined;
  const base = { status, ...(sessionId ? { sessionId } : {}) };
  if (message.id === undefined || status === 202) {
    response.resume();
    return Promise.resolve(base);
  }
  const streamed = (response.headers['content-type'] ?? '').includes('text/event-stream');
  const settled = (answer: unknown): HttpUpstreamAnswer | undefined =>
    isRecord(answer)
      ? { ...base, streamed, outcome: 'error' in answer ? { error: answer.error as never } : { result: answer.result } }
      : undefined;
  // Bytes rather than `setEncoding('utf8')`, whose string decoder per response was 4.6 % of the
  // gateway's CPU in a profile of the bench.
  return new Promise<HttpUpstreamAnswer>((resolve, reject) => {
    let answered = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let carried: Buffer | undefined;
    // On an event stream the answer is settled as soon as its event arrives, not when the
    // upstream ends the stream (one network round less on the call's path); the rest is drained.
    const parser = streamed
      ? createEventStreamParser(target.maxMessageBytes, (received) => {
          if (answered) return;
          if (isRecord(received) && received.id === message.id && ('result' in received || 'error' in received)) {
            answered = true;
            resolve(settled(received) as HttpUpstreamAnswer);
          } else relay(received);
        })
      : undefined;
    response.on('data', (chunk: Buffer) => {
      if (answered) return;
      try {
        if (parser) {
          const bytes = carried ? Buffer.concat([carried, chunk]) : chunk;
          const complete = completeUtf8Length(bytes);
          carried = complete < bytes.length ? bytes.subarray(complete) : undefined;
          return parser.push(bytes.toString('utf8', 0, complete));
        }
        size += chunk.length;
        if (size > target.maxMessageBytes) throw unavailable('upstream answer too large');
        chunks.push(chunk);
      } catch (error) {
        response.destroy();
        reject(error);
      }
    });
    response.once('error', reject);
    response.once('end', () => {
      if (answered) return;
      let parsed: unknown;
      try {
        parsed = parser ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(unavailable(`upstream answered ${status} without JSON`));
      }
      const answer = settled(parsed);
      if (!answer) return reject(unavailable(`upstream answered ${status} without a response`));
      resolve(answer);
    });
  });
}
