/**
 * What a host gives the console: who may sign in, and the ports each page reads and acts on.
 * Every section is optional; a page whose section is missing is not shown.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import {
  type ApprovalWorkflow,
  assertKnownOptions,
  type Clock,
  InvalidInputError,
  type KillSwitch,
  type SecurityEvent,
  type SecurityEventEmitter,
} from '@warden/core';
import { hostnameOf } from './security/host-header.js';

/** An operator who may sign in: a name and the SHA-256 (lowercase hex) of their token, as the host keeps it. */
export interface ConsoleOperator {
  /** Shown on every page and recorded with every decision. */
  name: string;
  /** SHA-256 of the operator's token, lowercase hex. The token itself is never stored. */
  tokenSha256: string;
}

/** What an approval did, as the host reports it (shown to the operator). */
export interface ConsoleApprovalOutcome {
  /** `completed` when the quorum was met and the request ran, `pending-approval` while more approvals are needed. */
  status: string;
}

/** The approvals page: pending requests from an `ApprovalWorkflow` (the gateway's queue is one). */
export interface ConsoleApprovalsConfig {
  /** Where the requests wait: their tier, quorum, expiry, payload, digest and decisions. */
  workflow: ApprovalWorkflow;
  /**
   * Approves and, for a host that executes approved requests (a gateway), runs the request.
   * @default `workflow.approve(requestId, approver)`
   */
  approve?: (requestId: string, approver: string, reason: string) => Promise<ConsoleApprovalOutcome | unknown>;
  /** Rejects with the reason. @default `workflow.reject(requestId, approver, reason)` */
  reject?: (requestId: string, approver: string, reason: string) => Promise<unknown>;
}

/** A checkpoint as `@warden/audit` signs it (the fields the console shows). */
export interface ConsoleAuditCheckpoint {
  /** The parsed checkpoint. */
  checkpoint: { origin: string; size: number; rootHash: Uint8Array };
}

/** A verification report as `@warden/audit` returns it (the fields the console shows). */
export interface ConsoleAuditReport {
  /** True when nothing differs from what was signed. */
  ok: boolean;
  /** Entries stored. */
  size: number;
  /** Entries covered by a valid checkpoint. */
  verifiedSize: number;
  /** Checkpoints whose signature verified. */
  validCheckpoints: number;
  /** Every difference found. */
  problems: readonly unknown[];
}

/**
 * The audit trail the console reads. `AuditLog` from `@warden/audit` is one as it is; a host
 * without one can pass a list of recent events (see {@link createRecentEventsAuditSource}).
 */
export interface ConsoleAuditSource {
  /** Number of entries. */
  size(): Promise<number>;
  /** The entry at `index` (0-based, oldest first). */
  entry(index: number): Promise<{ seq: number; event: SecurityEvent }>;
  /** The newest signed checkpoint. Optional. */
  latestCheckpoint?(): Promise<ConsoleAuditCheckpoint | undefined>;
  /** Verifies the log against its signed checkpoints. Optional. */
  verify?(): Promise<ConsoleAuditReport>;
}

/** A changed or new MCP tool definition waiting for an operator (`PendingToolDefinition` of `@warden/mcp`). */
export interface ConsoleToolPin {
  /** The upstream offering it. */
  upstream: string;
  /** The tool's name. */
  tool: string;
  /** The digest an approval pins. */
  digest: string;
  /** The digest pinned before, when the definition changed. */
  pinnedDigest?: string;
  /** Invisible or bidirectional-control characters found in it. */
  hiddenCharacters: readonly string[];
  /** The definition as the upstream lists it now. */
  definition: unknown;
}

/** What identifies one pending definition in an approval or a rejection. */
export interface ConsoleToolPinDecision {
  /** The upstream. */
  upstream: string;
  /** The tool. */
  tool: string;
  /** The digest shown to the operator: a definition that changed since is not pinned. */
  digest: string;
  /** The operator. */
  actor: string;
}

/** The MCP tool pins page. `McpEnforcer` from `@warden/mcp` provides the first two methods as they are. */
export interface ConsoleToolPinsConfig {
  /** Definitions waiting for an operator. */
  listPendingToolDefinitions(): readonly ConsoleToolPin[] | Promise<readonly ConsoleToolPin[]>;
  /** Pins a pending definition; false when none matches (decided or changed meanwhile). */
  approveToolDefinition(decision: ConsoleToolPinDecision): boolean | Promise<boolean>;
  /** Refuses a pending definition (it stays unpinned, so calls to it stay denied). Optional. */
  rejectToolDefinition?(decision: ConsoleToolPinDecision & { reason: string }): boolean | Promise<boolean>;
  /** The definition pinned before (`pinnedDigest`), when the host kept it, for the side-by-side view. Optional. */
  previousToolDefinition?(upstream: string, tool: string, digest: string): unknown | Promise<unknown>;
}

/** Configuration of {@link createConsole}. */
export interface ConsoleConfig {
  /** Who may sign in (the host's operator tokens, as SHA-256 digests). */
  operators: readonly ConsoleOperator[];
  /** Where the console is mounted, without a trailing slash. @default '/console' */
  basePath?: string;
  /** The approvals page. */
  approvals?: ConsoleApprovalsConfig;
  /** The kill switch page. */
  killSwitch?: KillSwitch;
  /** The audit page. */
  audit?: ConsoleAuditSource;
  /** The MCP tool pins page. */
  toolPins?: ConsoleToolPinsConfig;
  /** Where sign-ins, refusals and approvals with their reasons are recorded. */
  events?: SecurityEventEmitter;
  /** How long a session lasts after sign-in. @default 28800000 (8 hours) */
  sessionTtlMs?: number;
  /**
   * The console's public origin (`https://ops.example.com`), when a proxy terminates TLS: it
   * decides the `Secure` cookie flag and the Origin check. @default the request's own origin
   */
  publicOrigin?: string;
  /**
   * Host names (as a browser sends them in `Host`, without a port: `ops.example.com`,
   * `console.lan`, `[fd00::2]`) under which the console may be reached on any address, besides
   * the address it was reached on and `publicOrigin`'s host. Every other name is refused with 403,
   * since a page whose name an attacker rebinds to the console's address would otherwise be
   * same-origin with it (DNS rebinding). Names are matched exactly: no wildcard, no subdomains.
   * @default []
   */
  allowedHosts?: readonly string[];
  /**
   * The client's address, which wrong sign-in tokens are counted against. Behind a reverse proxy
   * every request comes from the proxy: return the client address your proxy records (for
   * example the last `X-Forwarded-For` hop it added), or one attacker's guesses throttle every
   * operator's sign-in. The console never reads forwarded headers itself: a client can forge them.
   * @default the connection's remote address
   */
  clientAddress?: (request: IncomingMessage) => string;
  /**
   * Time source for session expiry and sign-in throttling.
   * @default the monotonic clock as epoch milliseconds (a wall clock that steps moves no expiry)
   */
  now?: Clock;
  /** Told about unexpected errors (the operator sees a generic message). @default console.error */
  onError?: (error: unknown) => void;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
/**
 * Segments of characters that need no escaping in a URL, a cookie's `Path` or an HTML attribute;
 * never an empty segment, as `//host` in a redirect's `Location` is another site.
 */
const BASE_PATH = /^(\/[A-Za-z0-9._~-]+)*\/?$/;

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** What is wrong with `allowedHosts`, one issue per wrong entry. */
function allowedHostsIssues(allowedHosts: unknown): { path: string; message: string }[] {
  if (allowedHosts === undefined) return [];
  if (!Array.isArray(allowedHosts)) return [{ path: 'allowedHosts', message: 'must be an array of host names' }];
  const issues: { path: string; message: string }[] = [];
  allowedHosts.forEach((name: unknown, index) => {
    // A name the URL parser would rewrite (a port, a path, Unicode, a `*` someone meant as a
    // wildcard) would never equal a Host header as compared, or would match another name.
    const valid = typeof name === 'string' && !name.includes('*') && hostnameOf(name) === name.toLowerCase();
    if (!valid) {
      issues.push({
        path: `allowedHosts.${index}`,
        message: 'must be a host name as sent in Host, without port or wildcard (ops.example.com, [fd00::2])',
      });
    }
  });
  return issues;
}

/** What is wrong with the operators list, one issue per field. */
function operatorIssues(operators: unknown): { path: string; message: string }[] {
  if (!Array.isArray(operators)) return [{ path: 'operators', message: 'must be an array of { name, tokenSha256 }' }];
  const issues: { path: string; message: string }[] = [];
  operators.forEach((operator: Partial<ConsoleOperator> | null, index) => {
    if (typeof operator?.name !== 'string' || operator.name.trim() === '') {
      issues.push({ path: `operators.${index}.name`, message: 'must be a non-empty string' });
    }
    if (typeof operator?.tokenSha256 !== 'string' || !SHA256_HEX.test(operator.tokenSha256)) {
      issues.push({ path: `operators.${index}.tokenSha256`, message: 'must be a SHA-256 digest in hex (64 digits)' });
    }
  });
  return issues;
}

const CONSOLE_OPTIONS: readonly (keyof ConsoleConfig)[] = [
  'operators',
  'basePath',
  'approvals',
  'killSwitch',
  'audit',
  'toolPins',
  'events',
  'sessionTtlMs',
  'publicOrigin',
  'allowedHosts',
  'clientAddress',
  'now',
  'onError',
];

/**
 * The configuration's own fields, in an object without a prototype, so that nothing the caller
 * did not set comes from a polluted `Object.prototype` (an `allowedHosts` that lets a rebound
 * name in, a `clientAddress` that keys every sign-in guess alike, an `events` that receives the
 * console's events). A field it does not know (a misspelt `allowedHost`) is `InvalidInputError`
 * naming it, never ignored.
 */
export function ownConsoleConfig(config: ConsoleConfig): ConsoleConfig {
  assertKnownOptions(config, CONSOLE_OPTIONS, 'console config');
  return Object.assign(Object.create(null), config);
}

/**
 * Checks a configuration at the boundary, before anything is served: a lifetime that is not a
 * positive whole number (`Number(process.env.UNSET)` is NaN) would make every session, and a
 * stolen cookie, live forever, since no time is ever past NaN. Throws `InvalidInputError`
 * naming each wrong field.
 */
export function validateConsoleConfig(config: ConsoleConfig): void {
  const issues = [...operatorIssues(config.operators), ...allowedHostsIssues(config.allowedHosts)];
  const { sessionTtlMs, basePath, publicOrigin, clientAddress } = config;
  if (sessionTtlMs !== undefined && !(Number.isSafeInteger(sessionTtlMs) && sessionTtlMs > 0)) {
    issues.push({ path: 'sessionTtlMs', message: 'must be a positive whole number of milliseconds' });
  }
  if (basePath !== undefined && (typeof basePath !== 'string' || !BASE_PATH.test(basePath))) {
    issues.push({
      path: 'basePath',
      message: 'must be / or /segments of letters, digits and . _ ~ - (no empty segment)',
    });
  }
  if (publicOrigin !== undefined && (typeof publicOrigin !== 'string' || !isOrigin(publicOrigin))) {
    issues.push({ path: 'publicOrigin', message: 'must be an origin such as https://ops.example.com (no path)' });
  }
  if (clientAddress !== undefined && typeof clientAddress !== 'function') {
    issues.push({ path: 'clientAddress', message: 'must be a function (request) => address' });
  }
  if (issues.length === 0) return;
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new InvalidInputError({ message: `Invalid console config: ${summary}`, issues });
}
