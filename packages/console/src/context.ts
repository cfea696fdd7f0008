/**
 * What every route handler gets: the resolved configuration and the request being served.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, KillSwitchState, SecurityEventInput } from '@warden/core';
import type { ConsoleAuditReport, ConsoleConfig } from './config.js';
import type { NavItem, PageFrame } from './html/layout.js';
import type { HostRule } from './security/host-header.js';
import type { ConsoleSession, SessionStore } from './security/sessions.js';
import type { SignInThrottle } from './security/sign-in-throttle.js';

/** The console's resolved configuration and state, one per {@link createConsole} call. */
export interface ConsoleApp {
  /** As given. */
  readonly config: ConsoleConfig;
  /** Where the console is mounted, without a trailing slash. */
  readonly basePath: string;
  /** The sections configured, in navigation order. */
  readonly nav: readonly NavItem[];
  /** Signed-in operators. */
  readonly sessions: SessionStore;
  /** Wrong sign-in tokens per source address. */
  readonly signInThrottle: SignInThrottle;
  /** Time source. */
  readonly now: Clock;
  /** Kill switch changes seen by this process, newest first. */
  readonly killSwitchHistory: KillSwitchState[];
  /** Records an event when the host gave an emitter. */
  emit(event: SecurityEventInput): void;
  /** Told about unexpected errors. */
  onError(error: unknown): void;
  /** The audit source's `verify`, one verification at a time (`undefined` when it has none). */
  readonly verifyAudit: (() => Promise<ConsoleAuditReport>) | undefined;
  /** The names a request's `Host` may carry besides the connection's own address. */
  readonly hostRule: HostRule;
}

/** One request being served. */
export interface RequestContext {
  /** The console. */
  readonly app: ConsoleApp;
  /** Node's request. */
  readonly request: IncomingMessage;
  /** Node's response. */
  readonly response: ServerResponse;
  /** The full URL (for the query string). */
  readonly url: URL;
  /** The path below the base path, starting with `/`. */
  readonly path: string;
  /** The session cookie's id, when one was sent. */
  readonly sessionId: string | undefined;
  /** The signed-in operator's session. */
  readonly session: ConsoleSession | undefined;
  /** The browser's origin for this console. */
  readonly origin: string;
}

/** A request with a signed-in operator. */
export interface SignedInContext extends RequestContext {
  /** The operator's session. */
  readonly session: ConsoleSession;
}

/** The page shell's inputs for a signed-in page of `section`. */
export function frameOf(context: RequestContext, section?: string): PageFrame {
  return {
    basePath: context.app.basePath,
    nav: context.app.nav,
    ...(context.session ? { session: context.session } : {}),
    ...(section === undefined ? {} : { current: section }),
  };
}
