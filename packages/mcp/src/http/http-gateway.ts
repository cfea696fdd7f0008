/**
 * The Streamable HTTP gateway: one endpoint per upstream (`/mcp/<name>`, and `/mcp` for the
 * default one), every caller authenticated, every request decided by the enforcer. Streamable
 * HTTP upstreams are called per request; stdio upstreams are spawned and supervised by the
 * gateway. Per-request state only (the enforcement state lives in the kill switch and approval
 * backends).
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackendUnavailableError, completeUtf8Length, InvalidInputError } from '@warden/core';
import { parseMcpConfig } from '../config/config-file.js';
import type { UpstreamConfig, WardenMcpConfigInput } from '../config/config-schema.js';
import type { McpDenialCode } from '../enforcer/denial.js';
import type { McpEnforcer, McpSession } from '../enforcer/enforcer.js';
import { isRecord, type McpOutcome } from '../enforcer/messages.js';
import { INPUT_REQUIRED_REVISION } from '../enforcer/tool-call.js';
import type { ScreenedRequest } from '../enforcer/upstream-requests.js';
import { classifyMessage, errorResponse, type JsonRpcId } from '../transport/json-rpc.js';
import { declaresJson, dnsRebindingProblem } from './browser-guard.js';
import { createAuthenticator } from './http-auth.js';
import { checkMcpHeaders, readBody } from './http-request.js';
import { SessionTable } from './session-table.js';
import { createEventStreamRewriter } from './sse.js';
import { BRIDGED_REVISION, SUPPORTED_REVISIONS, UpstreamBridge, type UpstreamSend } from './upstream-bridge.js';
import { type ForwardedHeaders, type HttpUpstreamTarget, postToUpstream } from './upstream-http.js';
import { StdioUpstream } from './upstream-stdio.js';

/** Approval prompts one caller may have waiting for its client's answer, per upstream route. */
const MAX_ASKS_PER_CALLER = 256;

/** How many of the upstream's requests relayed to 2026-07-28 clients the gateway remembers the recipient of. */
const MAX_BRIDGED_REQUESTS = 4096;

/** Configuration of {@link startHttpGateway}. */
export interface HttpGatewayConfig {
  /** The enforcer. */
  enforcer: McpEnforcer;
  /** The configuration document (its `http`, `callers`, `upstreams` and `limits` are read). */
  config: WardenMcpConfigInput;
  /**
   * The upstream served at `/mcp`; every upstream (a Streamable HTTP URL or a stdio command the
   * gateway spawns) is also served at `/mcp/<name>`. @default `http.upstream`, or the first upstream
   */
  upstream?: string;
}

/** A running gateway. */
export interface HttpGateway {
  /** Where it listens (`http://127.0.0.1:<port>/mcp`; `<url>/<name>` for each upstream). */
  readonly url: string;
  /**
   * How many entries the gateway holds over all routes (client sessions, approval prompts waiting
   * for a client's answer, the upstream's requests relayed to 2026-07-28 clients): bounded by
   * `http.maxSessionsPerCaller`, the prompts' lifetime and a fixed bound.
   */
  pendingCount(): number;
  /** Stops listening, closes connections and stops the stdio upstreams it spawned. */
  close(): Promise<void>;
}

/** What serves one upstream. */
interface UpstreamRoute {
  /** A JSON-RPC message from a client. */
  handlePost(request: HttpRequest, response: ServerResponse, caller: string): Promise<void>;
  /** GET (the server's event stream) and DELETE (end of session). */
  relayStream(request: HttpRequest, response: ServerResponse, caller: string): Promise<void>;
  /**
   * Entries it holds: client sessions, approval prompts waiting for a client and their per-caller
   * counts, the upstream's requests relayed to 2026-07-28 clients.
   */
  pendingCount(): number;
  /** Stops what the route started (a stdio upstream). */
  close(): Promise<void>;
}

/** `/mcp` is the default upstream; `/mcp/<name>` any upstream by name. */
function routeOf(
  pathname: string,
  defaultRoute: UpstreamRoute,
  routes: Map<string, UpstreamRoute>,
): UpstreamRoute | undefined {
  if (pathname === '/mcp') return defaultRoute;
  if (!pathname.startsWith('/mcp/')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice('/mcp/'.length));
  } catch {
    return undefined;
  }
  return routes.get(name);
}

/** Starts the gateway. @throws `InvalidInputError` when the default upstream is not configured. */
export async function startHttpGateway(gatewayConfig: HttpGatewayConfig): Promise<HttpGateway> {
  const config = parseMcpConfig(gatewayConfig.config);
  const upstreamName = gatewayConfig.upstream ?? config.http.upstream ?? Object.keys(config.upstreams)[0] ?? '';
  const upstreamConfig = config.upstreams[upstreamName];
  if (!upstreamConfig) {
    throw new InvalidInputError({
      message: `http.upstream ${upstreamName} must name one of the upstreams`,
      issues: [{ path: 'http.upstream', message: 'unknown upstream' }],
    });
  }
  const authenticate = createAuthenticator(config);
  const { enforcer } = gatewayConfig;
  /** The handlers of one upstream: its sessions, bridge and pending client requests are its own. */
  const openRoute = (upstreamName: string, upstreamConfig: UpstreamConfig): UpstreamRoute => {
    const stdio =
      'command' in upstreamConfig
        ? new StdioUpstream({
            command: upstreamConfig.command,
            ...(upstreamConfig.env ? { env: upstreamConfig.env } : {}),
            ...(upstreamConfig.cwd ? { cwd: upstreamConfig.cwd } : {}),
            timeoutMs: config.limits.requestTimeoutMs,
            maxMessageBytes: config.limits.maxMessageBytes,
          })
        : undefined;
    const target: HttpUpstreamTarget = {
      url: 'url' in upstreamConfig ? upstreamConfig.url : '',
      headers: ('url' in upstreamConfig ? upstreamConfig.headers : undefined) ?? {},
      timeoutMs: config.limits.requestTimeoutMs,
      maxMessageBytes: config.limits.maxMessageBytes,
    };
    const send: UpstreamSend = stdio
      ? (message, forwarded, relay) => stdio.send(message, forwarded, relay)
      : (message, forwarded, relay) => postToUpstream(target, message, forwarded, relay);
    const sessions = new SessionTable(config.http.maxSessionsPerCaller);
    /** Requests Warden sent to a client (URL-mode elicitation), by id, with the caller asked. */
    const asks = new Map<string, { caller: string; resolve: (value: unknown) => void }>();
    /** How many of `asks` each caller has. */
    const askCounts = new Map<string, number>();
    const countAsks = (caller: string) => askCounts.get(caller) ?? 0;
    /** Settles and forgets one request to a client. */
    const forgetAsk = (id: string, answer: unknown) => {
      const waiting = asks.get(id);
      if (waiting === undefined) return;
      asks.delete(id);
      const left = countAsks(waiting.caller) - 1;
      if (left > 0) askCounts.set(waiting.caller, left);
      else askCounts.delete(waiting.caller);
      waiting.resolve(answer);
    };
    const bridge = new UpstreamBridge(send);
    /**
     * The upstream's requests (sampling, roots) relayed in the session every 2026-07-28 caller
     * shares, by id, with the caller whose client was sent each: only that caller may answer it.
     * The oldest is forgotten past {@link MAX_BRIDGED_REQUESTS}, and each after the request
     * timeout or ten minutes (a person may take that long), whichever is longer.
     */
    const bridgedRequests = new Map<string, string>();
    const rememberBridgedRequest = (id: string, caller: string) => {
      const oldest = bridgedRequests.keys().next();
      if (bridgedRequests.size >= MAX_BRIDGED_REQUESTS && !oldest.done) bridgedRequests.delete(oldest.value);
      bridgedRequests.set(id, caller);
      setTimeout(
        () => bridgedRequests.get(id) === caller && bridgedRequests.delete(id),
        Math.max(config.limits.requestTimeoutMs, 600_000),
      ).unref();
    };
    /** Sends through the one 2025-11-25 session bridged 2026-07-28 clients share (opened on first use). */
    const sendBridged = async (message: Record<string, unknown>, relay: (message: unknown) => void) => {
      const bridged = await bridge.get();
      const headers: ForwardedHeaders = {
        ...(bridged.sessionId ? { sessionId: bridged.sessionId } : {}),
        protocolVersion: BRIDGED_REVISION,
      };
      return send(message, headers, relay);
    };
    let askSequence = 0;
    /**
     * Ends a session the gateway pushed out (a caller past `http.maxSessionsPerCaller`) at the
     * upstream too, with the `DELETE` its client would have sent: the upstream kept it otherwise,
     * so a caller opening sessions in a loop grew the upstream's memory without bound. A stdio
     * upstream's sessions are the gateway's own; nothing to end there.
     */
    const endUpstreamSession = (sessionId: string) => {
      if (stdio) return;
      void fetch(target.url, { method: 'DELETE', headers: { ...target.headers, 'mcp-session-id': sessionId } })
        .then((ended) => ended.body?.cancel())
        .catch(() => undefined);
    };

    const handlePost = async (request: HttpRequest, response: ServerResponse, caller: string) => {
      const body = await readBody(request, config.limits.maxMessageBytes);
      if (body === undefined)
        return refuse(
          response,
          413,
          null,
          'MESSAGE_TOO_LARGE',
          `messages are limited to ${config.limits.maxMessageBytes} bytes`,
        );
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return refuse(response, 400, null, 'INVALID_REQUEST', 'not valid JSON');
      }
      const message = classifyMessage(parsed);
      if (message.kind === 'invalid') return refuse(response, 400, message.id, message.code, message.reason);
      const headerProblem = checkMcpHeaders(request, message);
      if (headerProblem)
        return refuse(response, 400, 'id' in message ? message.id : null, 'HEADER_MISMATCH', headerProblem);
      const forwarded: ForwardedHeaders = {
        ...(typeof request.headers['mcp-session-id'] === 'string'
          ? { sessionId: request.headers['mcp-session-id'] }
          : {}),
        ...(typeof request.headers['mcp-protocol-version'] === 'string'
          ? { protocolVersion: request.headers['mcp-protocol-version'] }
          : {}),
      };
      const declaredVersion = forwarded.protocolVersion ?? metaProtocolVersion(message);
      // A 2026-07-28 client has no session of its own (it goes through the bridged one).
      const sessionless = declaredVersion !== undefined && declaredVersion >= INPUT_REQUIRED_REVISION;
      const remembered =
        forwarded.sessionId !== undefined && !sessionless ? sessions.use(forwarded.sessionId, caller) : undefined;
      if (forwarded.sessionId !== undefined && !sessionless && remembered === undefined)
        return refuse(response, 404, 'id' in message ? message.id : null, 'ACCESS_DENIED', 'unknown session');
      const protocolVersion = declaredVersion ?? remembered?.protocolVersion;
      const stateless = protocolVersion !== undefined && protocolVersion >= INPUT_REQUIRED_REVISION;
      if (stateless && !SUPPORTED_REVISIONS.includes(protocolVersion))
        return refuse(
          response,
          400,
          'id' in message ? message.id : null,
          'INVALID_REQUEST',
          `unsupported protocol version ${protocolVersion}`,
        );
      // In a session of its own a caller's request ids reach the upstream as they are, beside the
      // ids of Warden's own requests there (`warden-…`, counted: its tool listings). A request
      // under such an id could take the answer meant for Warden (the unfiltered listing) or give
      // Warden its own, and a cancellation naming one would withdraw Warden's request.
      if (!stateless && namesWardenRequest(message))
        return refuseOwnId(response, message, `request ids starting with "${OWN_ID_PREFIX}" are Warden's own`);
      // The bridged session is opened when a message is about to reach the upstream, after the
      // kill switch and access checks, never before them (its initialize is a message too).
      const toUpstream: UpstreamSend = stateless ? (outgoing, _headers, relay) => sendBridged(outgoing, relay) : send;

      if (message.kind === 'response') {
        const waiting = asks.get(String(message.id));
        // Only the caller Warden asked may answer: another one could decline its approval.
        // In the session 2026-07-28 callers share, only the caller whose client was sent the
        // upstream's request may answer it: another could answer it first, in that caller's name.
        const answerable = !stateless || bridgedRequests.get(String(message.id)) === caller;
        if (waiting?.caller === caller) {
          forgetAsk(String(message.id), message.error !== undefined ? { action: 'cancel' } : message.result);
        } else if (
          waiting === undefined &&
          answerable &&
          // An answer under an id of Warden's own prompts whose prompt is gone (expired, the kill
          // switch) was meant for Warden: it is dropped, never handed to the upstream as an answer.
          !isWardenAskId(message.id) &&
          (await enforcer.openSession({ caller, upstream: upstreamName }).reachRefusal()) === undefined
        ) {
          if (stateless) bridgedRequests.delete(String(message.id));
          await toUpstream(parsed as Record<string, unknown>, forwarded, () => {}).catch(() => undefined);
        }
        response.writeHead(202).end();
        return;
      }
      if (message.kind === 'notification') {
        const notifying = enforcer.openSession({ caller, upstream: upstreamName });
        // In the bridged session, which every 2026-07-28 caller shares, a cancellation names an id
        // the gateway chose for some caller's call: it is dropped (the call runs to its end), as
        // for stdio upstreams, so no caller can cancel another's.
        const foreignCancel = stateless && message.method === 'notifications/cancelled';
        if ((await notifying.allowNotification(message.method)) && !foreignCancel)
          await toUpstream(parsed as Record<string, unknown>, forwarded, () => {}).catch(() => undefined);
        response.writeHead(202).end();
        return;
      }

      let streaming = false;
      const openStream = () => {
        if (streaming || response.headersSent) return;
        streaming = true;
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      };
      const sendEvent = (event: unknown) => {
        let data: string;
        try {
          data = JSON.stringify(event);
        } catch {
          // Relayed from an upstream and nested too deep to write (a RangeError): dropped, never
          // thrown into the upstream's stream handler, where it ended the process for every caller.
          return;
        }
        openStream();
        // A client that stops reading: its stream is cut rather than buffered without bound.
        if (response.writableLength > config.limits.maxMessageBytes * 4) return response.destroy();
        response.write(`event: message\ndata: ${data}\n\n`);
      };
      let upstreamStatus = 200;
      let upstreamRequests: Promise<void> = Promise.resolve();
      let usedClientId = false;
      const session = enforcer.openSession({
        caller,
        upstream: upstreamName,
        // Every 2026-07-28 caller shares the bridged session; every caller shares a stdio upstream.
        sharedUpstreamSession: stateless || stdio !== undefined,
        ...(protocolVersion ? { protocolVersion } : {}),
        ...(remembered?.urlElicitation || (message.method === 'initialize' && hasUrlElicitation(message.params))
          ? { clientCapabilities: { elicitation: { url: {} } } }
          : {}),
        askClient: (method, params, signal) => {
          // Bounded per caller, and forgotten once Warden stops waiting (the approval expired, the
          // kill switch turned on): a client that never answers left every request here.
          if (signal?.aborted || countAsks(caller) >= MAX_ASKS_PER_CALLER)
            return Promise.reject(
              new BackendUnavailableError({ backend: 'client', message: 'too many approval prompts waiting' }),
            );
          // Unguessable, and in a namespace an upstream's requests may not use (screenRelayed): an
          // upstream that knew the next id could send the client a request of its own under it,
          // and the client's answer to that would be taken for its answer to Warden's prompt.
          const id = `${ASK_ID_PREFIX}${randomUUID()}`;
          const answer = new Promise<unknown>((resolve) => asks.set(id, { caller, resolve }));
          askCounts.set(caller, countAsks(caller) + 1);
          signal?.addEventListener('abort', () => forgetAsk(id, { action: 'cancel' }), { once: true });
          sendEvent({ jsonrpc: '2.0', id, method, params });
          return answer;
        },
      });
      const outcome = await session.handleRequest(message.method, message.params, async (method, params) => {
        const clientRequest = method === message.method && !usedClientId;
        if (clientRequest) usedClientId = true;
        // Every caller shares the session bridged for 2026-07-28 clients, and the upstream routes
        // answers and cancellations by id within a session: there, ids are the gateway's own, so a
        // caller reusing another's id can neither receive its answer nor cancel its call.
        const id: JsonRpcId = clientRequest && !stateless ? message.id : `warden-${++askSequence}`;
        if (stateless && method === 'server/discover') return { result: await bridge.discover() };
        const answer = await toUpstream(
          { jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) },
          forwarded,
          (relayed) => {
            // What a server may send before its answer: notifications (`notifications/…`) and its
            // own requests. An answer to a request the gateway never sent (the client's held call,
            // "done") and a request without an id (an elicitation past the screening) are dropped.
            if (!isRecord(relayed) || typeof relayed.method !== 'string') return;
            const relayedMethod = relayed.method;
            if (relayed.id === undefined) {
              if (!relayedMethod.startsWith('notifications/')) return;
              if (cancelsWardenAsk(relayedMethod, relayed.params)) return;
              session.observeUpstreamNotification(relayedMethod);
              // A notification (logging, progress, resources/updated) reaches the client only
              // while the kill switch is off, in the order the upstream sent it.
              upstreamRequests = upstreamRequests
                .then(async () => {
                  if ((await session.admitFromUpstream(relayedMethod)) === undefined) sendEvent(relayed);
                })
                .catch(() => undefined);
              return;
            }
            // The upstream's own request (sampling, elicitation) reaches the client only while
            // the kill switch is off; the reply waits until it is settled.
            upstreamRequests = upstreamRequests
              .then(async () => {
                if ((await session.admitFromUpstream(relayedMethod)) !== undefined) return;
                const screened = screenRelayed(session, relayed.id, relayedMethod, relayed.params);
                if ('params' in screened) {
                  if (stateless) rememberBridgedRequest(String(relayed.id), caller);
                  return void sendEvent({ ...relayed, params: screened.params });
                }
                // Imitating Warden's approval prompt: the upstream gets the refusal, the client nothing.
                const refusal = errorResponse(relayed.id as JsonRpcId, screened.refusal.code, screened.refusal.reason);
                await toUpstream(refusal as Record<string, unknown>, forwarded, () => {}).catch(() => undefined);
              })
              .catch(() => undefined);
          },
        );
        if (stateless && answer.status === 404) bridge.reset();
        if (clientRequest) {
          upstreamStatus = answer.status;
          if (answer.sessionId && !stateless && !response.headersSent) {
            response.setHeader('mcp-session-id', answer.sessionId);
            if (message.method === 'initialize') {
              const init = isRecord(message.params) ? message.params : {};
              const evicted = sessions.open(answer.sessionId, {
                caller,
                ...(typeof init.protocolVersion === 'string' ? { protocolVersion: init.protocolVersion } : {}),
                urlElicitation: hasUrlElicitation(message.params),
              });
              if (evicted !== undefined) endUpstreamSession(evicted);
            }
          }
        }
        // Answer the way the upstream did: an event stream for an event stream.
        if (clientRequest && answer.streamed) openStream();
        if (!answer.outcome)
          throw new BackendUnavailableError({
            backend: 'upstream',
            message: `upstream answered ${answer.status} without a response`,
          });
        return answer.outcome;
      });
      await upstreamRequests;
      const reply = {
        jsonrpc: '2.0',
        id: message.id,
        ...(stateless ? completeResult(message.method, outcome) : outcome),
      };
      if (streaming) {
        // One write for the last event and the end of the stream.
        response.end(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
      } else {
        const status = 'error' in outcome && upstreamStatus >= 400 ? upstreamStatus : 200;
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      }
    };

    /** GET (the server's notification stream) and DELETE (end of session), after the kill switch. */
    const relayStream = async (request: HttpRequest, response: ServerResponse, caller: string) => {
      const refusal = await enforcer.openSession({ caller, upstream: upstreamName }).reachRefusal();
      if (refusal !== undefined) return refuse(response, 403, null, refusal.code, refusal.reason);
      const sessionHeader = request.headers['mcp-session-id'];
      const sessionId = typeof sessionHeader === 'string' ? sessionHeader : undefined;
      if (sessionId !== undefined && sessions.use(sessionId, caller) === undefined)
        return refuse(response, 404, null, 'ACCESS_DENIED', 'unknown session');
      // A session its client ends no longer counts against the caller's bound.
      if (request.method === 'DELETE' && sessionId !== undefined) sessions.forget(sessionId);
      // A stdio upstream has no stream to offer, and its sessions are the gateway's own.
      if (stdio) return void response.writeHead(request.method === 'GET' ? 405 : 200, { allow: 'POST, DELETE' }).end();
      const headers: Record<string, string> = {
        ...target.headers,
        accept: request.method === 'GET' ? 'text/event-stream' : 'application/json',
      };
      for (const name of ['mcp-session-id', 'mcp-protocol-version', 'last-event-id']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const abort = new AbortController();
      response.on('close', () => abort.abort());
      const upstreamResponse = await fetch(target.url, {
        method: request.method ?? 'GET',
        headers,
        signal: abort.signal,
      }).catch(() => undefined);
      if (!upstreamResponse)
        return refuse(response, 502, null, 'UPSTREAM_UNAVAILABLE', 'the upstream could not be reached');
      response.writeHead(upstreamResponse.status, {
        'content-type': upstreamResponse.headers.get('content-type') ?? 'text/plain',
        'cache-control': 'no-cache',
      });
      if (!upstreamResponse.body) return void response.end();
      const unsubscribe = enforcer.killSwitch.onChange((state) => {
        if (state.active) abort.abort();
      });
      // The upstream's own requests on this stream (elicitations) are screened like those on a
      // POST's stream: one imitating Warden's approval prompt never reaches the client.
      const screening = enforcer.openSession({ caller, upstream: upstreamName });
      const refusals: Array<Record<string, unknown>> = [];
      /** The methods of the events in the chunk being relayed (the first is named if it is refused). */
      const methods: string[] = [];
      const rewriter = (upstreamResponse.headers.get('content-type') ?? '').includes('text/event-stream')
        ? createEventStreamRewriter(config.limits.maxMessageBytes, (data) => {
            let event: unknown;
            try {
              event = JSON.parse(data);
            } catch {
              return data;
            }
            // As on a POST's stream: answers to requests never made, and requests without an id,
            // are dropped; notifications pass, requests are screened.
            if (!isRecord(event) || typeof event.method !== 'string') return undefined;
            methods.push(event.method);
            if (event.id === undefined)
              return event.method.startsWith('notifications/') && !cancelsWardenAsk(event.method, event.params)
                ? data
                : undefined;
            const screened = screenRelayed(screening, event.id, event.method, event.params);
            if ('params' in screened) return JSON.stringify({ ...event, params: screened.params });
            refusals.push(errorResponse(event.id as JsonRpcId, screened.refusal.code, screened.refusal.reason));
            return undefined;
          })
        : undefined;
      let carried: Buffer | undefined;
      try {
        for await (const chunk of upstreamResponse.body as unknown as AsyncIterable<Uint8Array>) {
          if (response.writableLength > config.limits.maxMessageBytes * 4) break;
          if (rewriter === undefined) {
            if ((await screening.admitFromUpstream('event-stream')) !== undefined) break;
            response.write(chunk);
            continue;
          }
          const bytes = carried ? Buffer.concat([carried, chunk]) : Buffer.from(chunk);
          const complete = completeUtf8Length(bytes);
          carried = complete < bytes.length ? bytes.subarray(complete) : undefined;
          methods.length = 0;
          const text = rewriter.push(bytes.toString('utf8', 0, complete));
          // Checked on every chunk, not only on a change of the switch: one turned on between the
          // check that opened this stream and the subscription above would otherwise go unseen,
          // and one that cannot answer (a stale Redis copy) must stop the stream too. What the
          // chunk held is dropped and the stream ends; the client's GET is refused while it is on.
          if ((await screening.admitFromUpstream(methods[0] ?? 'event-stream')) !== undefined) break;
          if (text !== '') response.write(text);
          for (const refusal of refusals.splice(0))
            void postToUpstream(target, refusal, sessionId ? { sessionId } : {}, () => {}).catch(() => undefined);
        }
      } catch {
        // The client or the upstream went away.
      } finally {
        unsubscribe();
        response.end();
      }
    };

    return {
      handlePost,
      relayStream,
      pendingCount: () => sessions.size + asks.size + askCounts.size + bridgedRequests.size,
      close: async () => stdio?.close(),
    };
  };

  const defaultRoute = openRoute(upstreamName, upstreamConfig);
  const routes = new Map<string, UpstreamRoute>([[upstreamName, defaultRoute]]);
  for (const [name, upstream] of Object.entries(config.upstreams))
    if (!routes.has(name)) routes.set(name, openRoute(name, upstream));

  const server = createServer((request, response) => {
    void route(request, response).catch(() => {
      if (!response.headersSent) refuse(response, 500, null, 'BACKEND_UNAVAILABLE', 'the gateway could not answer');
      else response.destroy();
    });
  });

  const route = async (request: HttpRequest, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname === '/.well-known/oauth-protected-resource' && config.http.oauth) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          resource: config.http.oauth.audience,
          authorization_servers: [config.http.oauth.issuer],
          bearer_methods_supported: ['header'],
        }),
      );
      return;
    }
    const upstreamRoute = routeOf(url.pathname, defaultRoute, routes);
    if (!upstreamRoute) return refuse(response, 404, null, 'METHOD_NOT_ALLOWED', 'not found');
    const rebinding = dnsRebindingProblem(request, config.http.host);
    if (rebinding) {
      request.resume();
      return refuse(response, 403, null, 'ACCESS_DENIED', rebinding);
    }
    const auth = await authenticate(
      typeof request.headers.authorization === 'string' ? request.headers.authorization : undefined,
    );
    if ('error' in auth) {
      request.resume();
      const metadata = config.http.oauth
        ? `, resource_metadata="http://${request.headers.host ?? 'localhost'}/.well-known/oauth-protected-resource"`
        : '';
      response.setHeader('www-authenticate', `Bearer error="invalid_token"${metadata}`);
      return refuse(response, 401, null, 'UNAUTHENTICATED', auth.error);
    }
    if (request.method === 'POST') {
      if (!declaresJson(request)) {
        request.resume();
        return refuse(response, 415, null, 'INVALID_REQUEST', 'the body must be sent as application/json');
      }
      return upstreamRoute.handlePost(request, response, auth.caller);
    }
    request.resume();
    if (request.method === 'GET' || request.method === 'DELETE')
      return upstreamRoute.relayStream(request, response, auth.caller);
    response.writeHead(405, { allow: 'POST' }).end();
  };

  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/mcp`,
    pendingCount: () => [...routes.values()].reduce((sum, route) => sum + route.pendingCount(), 0),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await Promise.all([...routes.values()].map((upstreamRoute) => upstreamRoute.close()));
    },
  };
}

function metaProtocolVersion(message: object): string | undefined {
  if (!('params' in message)) return undefined;
  const meta = isRecord(message.params) && isRecord(message.params._meta) ? message.params._meta : undefined;
  const version = meta?.['io.modelcontextprotocol/protocolVersion'];
  return typeof version === 'string' ? version : undefined;
}

/** Results a 2026-07-28 client may cache, which must then say for how long and for whom. */
const CACHEABLE_METHODS = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'server/discover',
]);

/**
 * A 2026-07-28 result must say `resultType`, and a cacheable one `ttlMs` and `cacheScope`; the
 * bridged upstream speaks 2025-11-25 and leaves them out (the official v2 client refuses such a
 * result). Listings are filtered per caller and follow pins and the kill switch, so they are
 * private and not to be cached.
 */
function completeResult(method: string, outcome: McpOutcome): McpOutcome {
  if (!('result' in outcome) || !isRecord(outcome.result)) return outcome;
  const cacheable = CACHEABLE_METHODS.has(method) && outcome.result.ttlMs === undefined;
  if (outcome.result.resultType !== undefined && !cacheable) return outcome;
  return {
    result: {
      ...outcome.result,
      ...(outcome.result.resultType === undefined ? { resultType: 'complete' } : {}),
      ...(cacheable ? { ttlMs: 0, cacheScope: 'private' } : {}),
    },
  };
}

/** The ids of Warden's own requests (tool listings to the upstream, approval prompts to a client) start with this. */
const OWN_ID_PREFIX = 'warden-';

/** The ids of Warden's own requests to a client (its approval prompts) start with this. */
const ASK_ID_PREFIX = `${OWN_ID_PREFIX}ask-`;

/**
 * True for a client's request under an id of Warden's namespace, or its `notifications/cancelled`
 * naming one. Answers (to an upstream's requests, or Warden's prompts) are routed elsewhere.
 */
function namesWardenRequest(message: ReturnType<typeof classifyMessage>): boolean {
  if (message.kind === 'request') return String(message.id).startsWith(OWN_ID_PREFIX);
  return (
    message.kind === 'notification' &&
    message.method === 'notifications/cancelled' &&
    isRecord(message.params) &&
    String(message.params.requestId).startsWith(OWN_ID_PREFIX)
  );
}

/** Refuses a request under an id of Warden's own (400); a notification naming one is dropped (202). */
function refuseOwnId(response: ServerResponse, message: ReturnType<typeof classifyMessage>, reason: string): void {
  if (message.kind !== 'request') return void response.writeHead(202).end();
  refuse(response, 400, message.id, 'INVALID_REQUEST', reason);
}

/** True for an id in the namespace of Warden's own requests to a client (its approval prompts). */
function isWardenAskId(id: unknown): boolean {
  return String(id).startsWith(ASK_ID_PREFIX);
}

/**
 * True for an upstream's `notifications/cancelled` naming one of Warden's own requests to the
 * client: the client would stop handling Warden's approval prompt and never answer it (the held
 * call then waits until it expires). An upstream may cancel only its own requests, whose ids lie
 * outside that namespace.
 */
function cancelsWardenAsk(method: string, params: unknown): boolean {
  return method === 'notifications/cancelled' && isRecord(params) && isWardenAskId(params.requestId);
}

/**
 * Screens a request an upstream sends the client: its id must lie outside the namespace of
 * Warden's own prompts (the client's answer to it would be routed to Warden as the answer to an
 * approval prompt), then the enforcer screens its method and params.
 */
function screenRelayed(session: McpSession, id: unknown, method: string, params: unknown): ScreenedRequest {
  if (isWardenAskId(id))
    return {
      refusal: {
        code: 'INVALID_REQUEST',
        reason: `request ids starting with "${ASK_ID_PREFIX}" are Warden's own (its approval prompts)`,
      },
    };
  return session.screenUpstreamRequest(method, params);
}

function hasUrlElicitation(params: unknown): boolean {
  const capabilities = isRecord(params) && isRecord(params.capabilities) ? params.capabilities : {};
  return isRecord(capabilities.elicitation) && capabilities.elicitation.url !== undefined;
}

function refuse(
  response: ServerResponse,
  status: number,
  id: JsonRpcId | null,
  code: McpDenialCode,
  reason: string,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify(errorResponse(id, code, reason)));
}
