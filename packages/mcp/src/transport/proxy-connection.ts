/**
 * One client connection through the enforcer to one upstream, over any message transport:
 * requests from the client are decided by the session, requests from the upstream
 * (sampling, elicitation, roots) are relayed to the client, ids are rewritten in both
 * directions so they never collide, and every upstream request is bounded in time.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import type { McpSession } from '../enforcer/enforcer.js';
import type { McpOutcome } from '../enforcer/messages.js';
import { isRecord } from '../enforcer/messages.js';
import { classifyMessage, errorResponse, type IncomingMessage, type JsonRpcId, validRequestId } from './json-rpc.js';

/** Configuration of {@link createProxyConnection}. */
export interface ProxyConnectionConfig {
  /** The enforcer session of this client. */
  session: McpSession;
  /** Sends a message to the client. */
  sendToClient: (message: unknown) => void;
  /** Sends a message to the upstream; throws when it cannot. */
  sendToUpstream: (message: unknown) => void;
  /** How long the upstream may take to answer, in milliseconds. */
  requestTimeoutMs: number;
  /** Requests in flight towards the upstream before new ones are refused. @default 256 */
  maxInFlight?: number;
}

/** The relay. */
export interface ProxyConnection {
  /** A message from the client (already parsed). */
  fromClient(message: unknown): void;
  /** A message from the upstream (already parsed). */
  fromUpstream(message: unknown): void;
  /** The upstream is gone: everything waiting on it fails. */
  upstreamClosed(reason: string): void;
  /**
   * Sends a request to the client and waits for its answer (for URL-mode elicitation); `signal`
   * forgets it. At most `maxInFlight` wait at once; past that it throws.
   */
  askClient(method: string, params: unknown, signal?: AbortSignal): Promise<unknown>;
  /** Requests waiting on either side (towards the upstream, towards the client, relayed from the upstream). */
  pendingCount(): number;
  /** Sends one request to the upstream and waits (used by the session). */
  callUpstream(method: string, params: unknown): Promise<McpOutcome>;
}

/** Notifications from the upstream that may wait for the kill switch's answer; past it, new ones are dropped. */
const MAX_WAITING_FROM_UPSTREAM = 4096;

interface Pending {
  resolve: (value: { result?: unknown; error?: unknown }) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/** Creates the relay for one client connection. */
export function createProxyConnection(config: ProxyConnectionConfig): ProxyConnection {
  const maxInFlight = config.maxInFlight ?? 256;
  const towardsUpstream = new Map<string, Pending>();
  const towardsClient = new Map<string, Pending>();
  const relayedFromUpstream = new Map<string, JsonRpcId>();
  /** The id each client request in flight went to the upstream under (keyed by the client's id, typed). */
  const forwardedAs = new Map<string, string>();
  let sequence = 0;
  let closedReason: string | undefined;

  const waitFor = (table: Map<string, Pending>, id: string, timeoutMs: number | undefined) =>
    new Promise<{ result?: unknown; error?: unknown }>((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      if (timeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          table.delete(id);
          reject(new BackendUnavailableError({ backend: 'upstream', message: 'timed out' }));
        }, timeoutMs);
      }
      table.set(id, pending);
    });

  const settle = (table: Map<string, Pending>, id: string, value: { result?: unknown; error?: unknown }): boolean => {
    const pending = table.get(id);
    if (!pending) return false;
    table.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(value);
    return true;
  };

  /** Sends a request under an id of Warden's own; `clientKey` names the client request it carries out. */
  const callUpstream = async (method: string, params: unknown, clientKey?: string): Promise<McpOutcome> => {
    if (closedReason !== undefined)
      throw new BackendUnavailableError({ backend: 'upstream', message: `upstream closed: ${closedReason}` });
    if (towardsUpstream.size >= maxInFlight)
      throw new BackendUnavailableError({ backend: 'upstream', message: 'too many requests in flight' });
    const id = `w${++sequence}`;
    const answer = waitFor(towardsUpstream, id, config.requestTimeoutMs);
    if (clientKey !== undefined) forwardedAs.set(clientKey, id);
    try {
      config.sendToUpstream({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
      const { result, error } = await answer;
      return error !== undefined ? { error: error as never } : { result };
    } finally {
      if (clientKey !== undefined && forwardedAs.get(clientKey) === id) forwardedAs.delete(clientKey);
    }
  };

  /**
   * A client's `notifications/cancelled` names its own request id, which the upstream never saw:
   * it goes on naming the id that request was forwarded under. One naming no request of the
   * client's in flight (Warden's own tool listing, say) is dropped.
   */
  const upstreamCancellation = (params: unknown): Record<string, unknown> | undefined => {
    if (!isRecord(params) || !validRequestId(params.requestId)) return undefined;
    const forwarded = forwardedAs.get(JSON.stringify(params.requestId));
    return forwarded === undefined ? undefined : { ...params, requestId: forwarded };
  };

  const askClient = async (method: string, params: unknown, signal?: AbortSignal): Promise<unknown> => {
    if (signal?.aborted || towardsClient.size >= maxInFlight)
      throw new BackendUnavailableError({ backend: 'client', message: 'too many requests to the client in flight' });
    const id = `w${++sequence}`;
    const answer = waitFor(towardsClient, id, undefined);
    // Warden stopped waiting (expired, kill switch): the request is forgotten, answered or not.
    signal?.addEventListener('abort', () => settle(towardsClient, id, { error: 'abandoned' }), { once: true });
    config.sendToClient({ jsonrpc: '2.0', id, method, params });
    const { result, error } = await answer;
    if (error !== undefined)
      throw new BackendUnavailableError({ backend: 'upstream', message: 'the client refused the request' });
    return result;
  };

  const handleClientRequest = (message: Extract<IncomingMessage, { kind: 'request' }>) => {
    // The request itself (not a listing Warden sends first) is what a cancellation of it names.
    const clientKey = JSON.stringify(message.id);
    void config.session
      .handleRequest(message.method, message.params, (method, params) =>
        callUpstream(method, params, method === message.method ? clientKey : undefined),
      )
      .then((outcome) => {
        config.sendToClient({ jsonrpc: '2.0', id: message.id, ...outcome });
      })
      .catch(() => {
        // An answer that cannot be sent (one the enforcer's checks did not foresee) must not end
        // the process for every caller: the client gets an error in its place.
        config.sendToClient(
          errorResponse(message.id, 'UPSTREAM_UNAVAILABLE', 'the answer could not be relayed to the client'),
        );
      });
  };

  /**
   * What the upstream sends unasked (its notifications, its requests) passes the kill switch one
   * message at a time, in the order it arrived: a notification waiting on the check is never
   * overtaken by the next one.
   */
  let fromUpstreamChain: Promise<void> = Promise.resolve();
  /** Messages waiting in that chain (a kill switch slow to answer must not let them pile up without bound). */
  let waitingFromUpstream = 0;
  const inOrder = (step: () => Promise<void> | void) => {
    waitingFromUpstream += 1;
    fromUpstreamChain = fromUpstreamChain
      .then(step)
      .catch(() => {
        // The client or the upstream is gone, or the message cannot be written (nested too deep to
        // serialise): dropped, never thrown where nothing catches it and the process would end.
      })
      .finally(() => {
        waitingFromUpstream -= 1;
      });
  };

  /**
   * An upstream's notification (`notifications/message`, progress, `resources/updated`,
   * `tools/list_changed`) reaches the client only while the kill switch is off (and answers):
   * a kill switch stops both directions at once. Refused ones are dropped (and recorded).
   */
  const relayUpstreamNotification = (message: Extract<IncomingMessage, { kind: 'notification' }>) => {
    // Dropping Warden's listing is safe whether or not the notification reaches the client.
    config.session.observeUpstreamNotification(message.method);
    if (waitingFromUpstream >= MAX_WAITING_FROM_UPSTREAM) return;
    let params = message.params;
    if (message.method === 'notifications/cancelled') {
      params = relayedCancellation(message.params);
      if (params === undefined) return;
    }
    // Asked on arrival; sent in the order of arrival.
    const refusal = config.session.admitFromUpstream(message.method);
    inOrder(async () => {
      if ((await refusal) !== undefined) return;
      config.sendToClient({ jsonrpc: '2.0', method: message.method, ...(params === undefined ? {} : { params }) });
    });
  };

  /**
   * An upstream's `notifications/cancelled` names its own request's id, which the client never saw
   * (its requests reach the client under ids of the wrapper's own): it goes on naming the id that
   * request was relayed under. One naming no request of the upstream's relayed to the client is
   * dropped: the client would otherwise withdraw whatever it was asked under that id, Warden's
   * approval prompt included (whose ids are sequential).
   */
  const relayedCancellation = (params: unknown): Record<string, unknown> | undefined => {
    if (!isRecord(params) || !validRequestId(params.requestId)) return undefined;
    const named = JSON.stringify(params.requestId);
    for (const [relayedId, original] of relayedFromUpstream)
      if (JSON.stringify(original) === named) {
        // Cancelled: the client will not answer it.
        relayedFromUpstream.delete(relayedId);
        return { ...params, requestId: relayedId };
      }
    return undefined;
  };

  /**
   * An upstream's request (sampling, elicitation, roots) reaches the client only while the kill
   * switch is off: a sampling request would otherwise set the client's model to work after
   * everything was stopped. A refused one is answered with the denial.
   */
  const relayUpstreamRequest = (message: Extract<IncomingMessage, { kind: 'request' }>) => {
    if (relayedFromUpstream.size >= maxInFlight) {
      try {
        config.sendToUpstream(
          errorResponse(message.id, 'BACKEND_UNAVAILABLE', 'too many requests to the client in flight'),
        );
      } catch {
        // The upstream is gone.
      }
      return;
    }
    const id = `u${++sequence}`;
    relayedFromUpstream.set(id, message.id);
    // A client that never answers does not keep the entry: it is dropped after ten minutes (a
    // person may take that long over a form), or the request timeout when that is longer.
    setTimeout(() => relayedFromUpstream.delete(id), Math.max(config.requestTimeoutMs, 600_000)).unref();
    const admitted = config.session.admitFromUpstream(message.method);
    inOrder(async () => {
      const refusal = await admitted;
      try {
        const screened =
          refusal === undefined ? config.session.screenUpstreamRequest(message.method, message.params) : { refusal };
        if ('params' in screened) {
          config.sendToClient({
            jsonrpc: '2.0',
            id,
            method: message.method,
            ...(isRecord(screened.params) ? { params: screened.params } : {}),
          });
          return;
        }
        relayedFromUpstream.delete(id);
        config.sendToUpstream(errorResponse(message.id, screened.refusal.code, screened.refusal.reason));
      } catch {
        // The upstream is gone, or its request cannot be written (nested too deep to serialise):
        // dropped, never thrown where nothing catches it and the process would end.
        relayedFromUpstream.delete(id);
      }
    });
  };

  return {
    callUpstream,
    askClient,
    pendingCount: () => towardsUpstream.size + towardsClient.size + relayedFromUpstream.size,
    fromClient(raw) {
      const message = classifyMessage(raw);
      switch (message.kind) {
        case 'invalid':
          config.sendToClient(errorResponse(message.id, message.code, message.reason));
          return;
        case 'request':
          handleClientRequest(message);
          return;
        case 'notification':
          void config.session.allowNotification(message.method).then((allowed) => {
            const params =
              message.method === 'notifications/cancelled' ? upstreamCancellation(message.params) : message.params;
            if (message.method === 'notifications/cancelled' && params === undefined) return;
            if (allowed && closedReason === undefined) {
              try {
                config.sendToUpstream({
                  jsonrpc: '2.0',
                  method: message.method,
                  ...(params === undefined ? {} : { params }),
                });
              } catch {
                // The upstream is gone; its close handler reports it.
              }
            }
          });
          return;
        case 'response': {
          const key = String(message.id);
          if (settle(towardsClient, key, message)) return;
          const original = relayedFromUpstream.get(key);
          if (original === undefined) return;
          relayedFromUpstream.delete(key);
          const body = message.error !== undefined ? { error: message.error } : { result: message.result };
          // An answer (a sampling result, say) carries the client's content to the upstream: not
          // while the kill switch is on, nor from a caller who may not reach the upstream.
          void config.session.reachRefusal().then((refusal) => {
            if (refusal !== undefined || closedReason !== undefined) return;
            try {
              config.sendToUpstream({ jsonrpc: '2.0', id: original, ...body });
            } catch {
              // The upstream is gone.
            }
          });
        }
      }
    },
    fromUpstream(raw) {
      const message = classifyMessage(raw);
      switch (message.kind) {
        case 'response':
          settle(towardsUpstream, String(message.id), message);
          return;
        case 'notification':
          // A request sent without an id (an `elicitation/create`, a sampling request) would reach
          // the client past the screening and the kill switch its requests get: only MCP's
          // notifications pass.
          if (!message.method.startsWith('notifications/')) return;
          relayUpstreamNotification(message);
          return;
        case 'request':
          relayUpstreamRequest(message);
          return;
        case 'invalid':
          return;
      }
    },
    upstreamClosed(reason) {
      closedReason = reason;
      for (const [id, pending] of towardsUpstream) {
        clearTimeout(pending.timer);
        towardsUpstream.delete(id);
        pending.reject(new BackendUnavailableError({ backend: 'upstream', message: `upstream closed: ${reason}` }));
      }
    },
  };
}
