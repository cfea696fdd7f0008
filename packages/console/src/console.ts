/**
 * `createConsole`: the operator console as a Node `http` request handler a host mounts.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, InvalidInputError, type KillSwitchState } from '@warden/core';
import { CONSOLE_SCRIPT, CONSOLE_STYLES } from './assets/index.js';
import { oneVerificationAtATime } from './audit-verification.js';
import {
  type ConsoleAuditReport,
  type ConsoleAuditSource,
  type ConsoleConfig,
  ownConsoleConfig,
  validateConsoleConfig,
} from './config.js';
import type { ConsoleApp, RequestContext } from './context.js';
import type { NavItem } from './html/layout.js';
import { sendAsset, sendJson } from './http/respond.js';
import { rememberChange } from './pages/kill-switch.js';
import { DEFAULT_SESSION_TTL_MS, SESSION_COOKIE } from './pages/sign-in.js';
import { routeGet, routePost } from './routes.js';
import { expectedOrigin, readCookie, setSecurityHeaders } from './security/headers.js';
import { hostnameOf, reboundHostReason } from './security/host-header.js';
import { SessionStore } from './security/sessions.js';
import { SignInThrottle } from './security/sign-in-throttle.js';

/**
 * The console: call it with Node's request and response (Express and Connect pass `next` too).
 * A request outside the base path goes to `next`, or gets a 404 when there is none.
 */
export interface ConsoleHandler {
  (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void): void;
  /** Where it is mounted. */
  readonly basePath: string;
  /** Stops following the kill switch's changes. */
  close(): void;
}

function navOf(config: ConsoleConfig): NavItem[] {
  const nav: NavItem[] = [];
  if (config.approvals) nav.push({ path: 'approvals', label: 'Approvals' });
  if (config.killSwitch) nav.push({ path: 'kill-switch', label: 'Kill switch' });
  if (config.audit) nav.push({ path: 'audit', label: 'Audit trail' });
  if (config.toolPins) nav.push({ path: 'tool-pins', label: 'MCP tool pins' });
  return nav;
}

function verifierOf(audit: ConsoleAuditSource | undefined): (() => Promise<ConsoleAuditReport>) | undefined {
  if (audit?.verify === undefined) return undefined;
  return oneVerificationAtATime(() => (audit.verify as () => Promise<ConsoleAuditReport>).call(audit));
}

/**
 * The default clock: epoch milliseconds that advance with the monotonic clock. Session expiry
 * and a guessing address's wait are measured on it, so a wall clock stepped back (by NTP, or by
 * whoever controls it) never makes a session, and a stolen cookie, outlive its lifetime.
 */
function monotonicClock(): Clock {
  const origin = Date.now() - performance.now();
  return () => origin + performance.now();
}

function createApp(config: ConsoleConfig): ConsoleApp {
  const basePath = (config.basePath ?? '/console').replace(/\/+$/, '');
  const now = config.now ?? monotonicClock();
  const killSwitchHistory: KillSwitchState[] = [];
  return {
    config,
    basePath,
    nav: navOf(config),
    sessions: new SessionStore(config.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, now),
    signInThrottle: new SignInThrottle(now),
    now,
    killSwitchHistory,
    emit: (event) => config.events?.emit(event),
    onError: config.onError ?? ((error) => console.error(error)),
    verifyAudit: verifierOf(config.audit),
    hostRule: {
      publicOrigin: config.publicOrigin,
      // Validated to be host names already; stored as the URL parser writes them, as Host is compared.
      allowedHosts: (config.allowedHosts ?? []).map((name) => hostnameOf(name) ?? name),
    },
  };
}

function contextOf(app: ConsoleApp, request: IncomingMessage, response: ServerResponse, url: URL): RequestContext {
  const sessionId = readCookie(request, SESSION_COOKIE);
  return {
    app,
    request,
    response,
    url,
    path: url.pathname.slice(app.basePath.length) || '/',
    sessionId,
    session: app.sessions.get(sessionId),
    origin: expectedOrigin(request, app.config.publicOrigin),
  };
}

async function serve(context: RequestContext): Promise<void> {
  const { request, response, path } = context;
  setSecurityHeaders(response);
  const rebound = reboundHostReason(request, context.app.hostRule);
  if (rebound !== undefined) return refuseReboundHost(context, rebound);
  if (request.method === 'GET' && path === '/assets/console.js') {
    sendAsset(response, 'text/javascript; charset=utf-8', CONSOLE_SCRIPT);
    return;
  }
  if (request.method === 'GET' && path === '/assets/console.css') {
    sendAsset(response, 'text/css; charset=utf-8', CONSOLE_STYLES);
    return;
  }
  if (request.method === 'GET' || request.method === 'HEAD') return routeGet(context);
  if (request.method === 'POST') return routePost(context);
  response.setHeader('Allow', 'GET, POST');
  sendJson(response, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET or POST' } });
}

/** Refuses a request {@link reboundHostReason} judged DNS rebinding: 403, recorded, nothing served. */
function refuseReboundHost(context: RequestContext, reason: string): void {
  context.app.emit({
    type: 'access_denied',
    details: {
      code: 'ACCESS_DENIED',
      step: 'console-host',
      reason,
      host: (context.request.headers.host ?? '').slice(0, 200),
    },
  });
  sendJson(context.response, 403, { error: { code: 'ACCESS_DENIED', message: `Refused: ${reason}` } });
}

/**
 * Answers a request whose handler threw. An `InvalidInputError` that reaches this far is the
 * request's own fault (a form too large or not form-encoded): a 400 with its stable code, not
 * reported, so that anyone who can reach the console cannot fill the host's error log with
 * stack traces. Anything else is told to `onError` and answered with a generic 500.
 */
function failed(app: ConsoleApp, response: ServerResponse, error: unknown): void {
  if (InvalidInputError.isInstance(error)) {
    if (!response.headersSent) sendJson(response, 400, { error: { code: error.code, message: error.message } });
    else response.end();
    return;
  }
  app.onError(error);
  if (!response.headersSent) sendJson(response, 500, { error: { code: 'INTERNAL', message: 'Console error' } });
  else response.end();
}

/**
 * The request's URL, or `undefined` when its target is not one (`GET //`: an empty host). Parsed
 * without throwing: this runs in the server's request listener, outside any promise, where a
 * throw is an uncaught exception that ends the host's whole process.
 */
function urlOf(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://console.invalid');
  } catch {
    return undefined;
  }
}

/**
 * Creates the operator console. Synchronous and free of I/O; it follows the kill switch's
 * changes (for the history) until `close()`. Throws `InvalidInputError` naming the field when
 * the configuration is invalid (an operator's digest, `sessionTtlMs`, `basePath`, `publicOrigin`, `allowedHosts`).
 */
export function createConsole(given: ConsoleConfig): ConsoleHandler {
  const config = ownConsoleConfig(given);
  validateConsoleConfig(config);
  const app = createApp(config);
  const unsubscribe = config.killSwitch?.onChange((state) => rememberChange(app.killSwitchHistory, state));
  const handler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => {
    const url = urlOf(request);
    const inside = url !== undefined && (url.pathname === app.basePath || url.pathname.startsWith(`${app.basePath}/`));
    if (!inside) {
      if (next) next();
      else sendJson(response, 404, { error: { code: 'ROUTE_NOT_FOUND', message: 'Not a console path' } });
      return;
    }
    serve(contextOf(app, request, response, url)).catch((error: unknown) => failed(app, response, error));
  };
  return Object.assign(handler, {
    basePath: app.basePath,
    close: () => unsubscribe?.(),
  });
}
