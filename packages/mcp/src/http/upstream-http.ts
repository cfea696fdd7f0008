/**
 * Calls to a Streamable HTTP upstream: one POST per message, the answer read from JSON or an
 * event stream; messages the upstream sends before its answer (progress, logging, its own
 * requests to the client) are handed to `relay`.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import type { McpOutcome } from '../enforcer/messages.js';
import { isRecord } from '../enforcer/messages.js';
import { readEventStream } from './sse.js';

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

/** Sends one message; for a request (`id` set), waits for the response with that id. */
export async function postToUpstream(
  target: HttpUpstreamTarget,
  message: Record<string, unknown>,
  forwarded: ForwardedHeaders,
  relay: (message: unknown) => void,
): Promise<HttpUpstreamAnswer> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      ...target.headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(forwarded.sessionId ? { 'mcp-session-id': forwarded.sessionId } : {}),
      ...(forwarded.protocolVersion ? { 'mcp-protocol-version': forwarded.protocolVersion } : {}),
    },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(target.timeoutMs),
  });
  const sessionId = response.headers.get('mcp-session-id') ?? undefined;
  const base = { status: response.status, ...(sessionId ? { sessionId } : {}) };
  if (message.id === undefined || response.status === 202 || response.body === null) {
    await response.body?.cancel();
    return base;
  }
  const type = response.headers.get('content-type') ?? '';
  let answer: unknown;
  if (type.includes('text/event-stream')) {
    await readEventStream(response.body, target.maxMessageBytes, (received) => {
      if (isRecord(received) && received.id === message.id && ('result' in received || 'error' in received))
        answer = received;
      else if (answer === undefined) relay(received);
    });
  } else {
    const text = await response.text();
    if (text.length > target.maxMessageBytes)
      throw new BackendUnavailableError({ backend: 'upstream', message: 'upstream answer too large' });
    try {
      answer = JSON.parse(text);
    } catch {
      throw new BackendUnavailableError({
        backend: 'upstream',
        message: `upstream answered ${response.status} without JSON`,
      });
    }
  }
  if (!isRecord(answer))
    throw new BackendUnavailableError({
      backend: 'upstream',
      message: `upstream answered ${response.status} without a response`,
    });
  return {
    ...base,
    streamed: type.includes('text/event-stream'),
    outcome: 'error' in answer ? { error: answer.error as never } : { result: answer.result },
  };
}
