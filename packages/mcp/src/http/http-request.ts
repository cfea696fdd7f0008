/**
 * Reading a request body within a size bound, and the `Mcp-Method` / `Mcp-Name` headers that
 * must agree with the body.
 *
 * @module
 */
import type { IncomingMessage as HttpRequest } from 'node:http';
import { isRecord } from '../enforcer/messages.js';
import type { IncomingMessage } from '../transport/json-rpc.js';

/** The body as text, or `undefined` when it is larger than `maxBytes` (the rest is drained, not buffered). */
export async function readBody(request: HttpRequest, maxBytes: number): Promise<string | undefined> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    request.resume();
    return undefined;
  }
  // Events rather than `for await`: the async iterator cost a promise and a microtask per chunk.
  return new Promise<string | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      // Too large: drained, never buffered.
      request.off('data', onData);
      request.resume();
      chunks.length = 0;
      resolve(undefined);
    };
    request.on('data', onData);
    request.once('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function nameOf(message: Extract<IncomingMessage, { kind: 'request' | 'notification' }>): string | undefined {
  const params = isRecord(message.params) ? message.params : {};
  if (message.method === 'tools/call' || message.method === 'prompts/get')
    return typeof params.name === 'string' ? params.name : undefined;
  if (message.method.startsWith('resources/')) return typeof params.uri === 'string' ? params.uri : undefined;
  return undefined;
}

/** What is wrong with the `Mcp-Method` / `Mcp-Name` headers, or `undefined` when they agree with the body. */
export function checkMcpHeaders(request: HttpRequest, message: IncomingMessage): string | undefined {
  const method = request.headers['mcp-method'];
  const name = request.headers['mcp-name'];
  const version = request.headers['mcp-protocol-version'];
  if (message.kind !== 'request' && message.kind !== 'notification') return undefined;
  if (typeof version === 'string' && version >= '2026-07-28' && method === undefined)
    return 'Mcp-Method header is required';
  if (method !== undefined && method !== message.method) return 'Mcp-Method header does not match the body';
  if (name !== undefined) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(String(name));
    } catch {
      return 'Mcp-Name header is malformed';
    }
    if (decoded !== nameOf(message) && String(name) !== nameOf(message))
      return 'Mcp-Name header does not match the body';
  } else if (typeof version === 'string' && version >= '2026-07-28' && nameOf(message) !== undefined) {
    return 'Mcp-Name header is required';
  }
  return undefined;
}
