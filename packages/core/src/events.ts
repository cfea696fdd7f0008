/**
 * Security events: every decision, for subscribers and an audit sink, with secrets redacted
 * before they leave core.
 *
 * @module
 */
import type { Clock } from './clock.js';
import type { InjectionSource } from './sources.js';
import { assertKnownOptions, ownProperty } from './validation.js';

/** Every kind of security event. */
export type SecurityEventType =
  | 'access_granted'
  | 'access_denied'
  | 'capability_check'
  /**
   * A capability was passed on to another agent (capability algebra delegation). Details
   * should name the new capability (`capabilityId`), who delegated it (`from`), who received it
   * (`to`), its actions, its expiry and its delegation chain.
   */
  | 'capability_delegated'
  /**
   * A capability was revoked, with everything derived from it. Details should name the
   * capability (`capabilityId`), every capability the revocation reached (`revoked`) and the
   * reason, when given.
   */
  | 'capability_revoked'
  | 'tool_blocked'
  | 'sandbox_created'
  | 'sandbox_destroyed'
  | 'gateway_forward'
  | 'gateway_blocked'
  | 'policy_violation'
  | 'policy_warning'
  | 'approval_requested'
  | 'approval_approved'
  | 'approval_rejected'
  | 'approval_expired'
  | 'approval_cancelled'
  | 'approval_escalated'
  | 'kill_switch_activated'
  | 'kill_switch_deactivated'
  | 'credential_issued'
  | 'credential_revoked';

/** One security event. */
export interface SecurityEvent {
  /** What happened. */
  type: SecurityEventType;
  /** When (epoch ms). */
  timestamp: number;
  /** Who asked, when a source is involved. */
  source?: InjectionSource;
  /** The session concerned, when one is. */
  session?: string;
  /** Everything else, redacted. */
  details: Record<string, unknown>;
}

/** An event as handed to `emit`: the timestamp is filled in when absent. */
export type SecurityEventInput = Omit<SecurityEvent, 'timestamp' | 'details'> & {
  timestamp?: number;
  details?: Record<string, unknown>;
};

/** Receives security events. */
export type SecurityEventListener = (event: SecurityEvent) => void;

/**
 * Where an audit trail is written (a JSON-lines file, a log service). A failing sink never
 * breaks the operation that emitted the event.
 */
export interface AuditSink {
  /** Writes one (already redacted) event. */
  write(event: SecurityEvent): void | Promise<void>;
}

/** Publishes security events to listeners and an optional audit sink. */
export interface SecurityEventEmitter {
  /** Subscribes to events (the seed's `events.on("security", listener)`); returns an unsubscribe function. */
  on(channel: 'security', listener: SecurityEventListener): () => void;
  /** Unsubscribes a listener. */
  off(channel: 'security', listener: SecurityEventListener): void;
  /** Redacts, timestamps and publishes an event; returns what was published. */
  emit(event: SecurityEventInput): SecurityEvent;
}

/**
 * Emits `event` on `events` (when there is one) for something that already happened, never
 * letting the emitter change the outcome. Core's emitter never throws, but a custom one (a
 * broken audit pipe) can: letting that through would make an adapter report a stored approval,
 * a minted token or a running codespace as failed, with the thing itself live and its id lost.
 * The emitter's error goes to `onError` when given (which may not throw either), else nowhere.
 *
 * @example
 * emitSafely(settings.events, { type: 'sandbox_destroyed', details: { id } });
 */
export function emitSafely(
  events: SecurityEventEmitter | undefined,
  event: SecurityEventInput,
  onError?: (error: unknown) => void,
): void {
  try {
    events?.emit(event);
  } catch (error) {
    try {
      onError?.(error);
    } catch {
      // A reporter that fails too: the outcome still stands.
    }
  }
}

/** Configuration for {@link createSecurityEventEmitter}. */
export interface SecurityEventEmitterConfig {
  /** Receives every event after the listeners. */
  auditSink?: AuditSink;
  /** Time source for timestamps. @default Date.now */
  now?: Clock;
  /** Told about a listener or sink that threw; the default ignores it so emitting never fails. */
  onError?: (error: unknown) => void;
}

/** Creates an emitter; each security engine and adapter can have its own. */
export function createSecurityEventEmitter(config: SecurityEventEmitterConfig = {}): SecurityEventEmitter {
  assertKnownOptions(config, ['auditSink', 'now', 'onError'], 'security event emitter options');
  // Own fields, read once: an Object.prototype.auditSink set by another library would otherwise
  // receive every event of every emitter created without one.
  const now = (ownProperty(config, 'now') as Clock | undefined) ?? Date.now;
  const reportError = (ownProperty(config, 'onError') as ((error: unknown) => void) | undefined) ?? (() => {});
  const auditSink = ownProperty(config, 'auditSink') as AuditSink | undefined;
  const listeners = new Set<SecurityEventListener>();
  const off = (_channel: 'security', listener: SecurityEventListener): void => {
    listeners.delete(listener);
  };
  return {
    on(channel, listener) {
      listeners.add(listener);
      return () => off(channel, listener);
    },
    off,
    emit(input) {
      const event = redactEvent({ ...input, timestamp: input.timestamp ?? now(), details: input.details ?? {} });
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          reportError(error);
        }
      }
      if (auditSink) writeToSink(auditSink, event, reportError);
      return event;
    },
  };
}

function writeToSink(sink: AuditSink, event: SecurityEvent, reportError: (error: unknown) => void): void {
  try {
    const written = sink.write(event);
    if (written && typeof written.then === 'function') written.then(undefined, reportError);
  } catch (error) {
    reportError(error);
  }
}

function redactEvent(event: SecurityEvent): SecurityEvent {
  return redactSecrets(event) as SecurityEvent;
}

/** The replacement for every redacted value. */
export const REDACTED = '[REDACTED]';

// `password` anywhere in a name (`passwordConfirmation`); a bare `pass` only at the end, so that
// `passive` or `passthrough` are not mistaken for secrets.
const SECRET_KEY =
  /password|passphrase|passwd|pass$|secret|token|api[-_]?key|apikey|private[-_]?key|authorization|credential|cookie|^auth$|signing[-_]?key|access[-_]?key/i;

// A secret-sounding key ending in one of these words names or counts a secret, it does not hold
// one (`credentialId`, `secretName`, `tokenCount`, `private_key_id`). camelCase suffixes need a
// lower-case letter or digit before them, so an all-lower-case `tokenid` is still redacted.
const CAMEL_CASE_IDENTIFIER = /[a-z0-9](?:Ids?|IDs?|Names?|Count|ExpiresAt|IssuedAt)$/;
const SNAKE_CASE_IDENTIFIER = /[_-](?:ids?|names?|count|expires[_-]at|issued[_-]at)$/i;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !CAMEL_CASE_IDENTIFIER.test(key) && !SNAKE_CASE_IDENTIFIER.test(key);
}

// What a secret string looks like: a PEM private key, a GitHub, Slack, AWS or OpenAI-style key.
const SECRET_VALUE_PATTERNS = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /\bsk-[A-Za-z0-9_-]{20,}/,
];
// The same patterns as one alternation: a string is scanned once, not six times (four times
// faster on short strings, and every string of every event passes here).
const SECRET_VALUE = new RegExp(SECRET_VALUE_PATTERNS.map((pattern) => pattern.source).join('|'));
// Apart, because it alone ignores case (Node 20 has no inline `(?i:)` group).
const BEARER_VALUE = /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/i;

function isSecretString(value: string): boolean {
  return SECRET_VALUE.test(value) || BEARER_VALUE.test(value);
}

const MAX_DEPTH = 32;

/**
 * Returns a copy of `value` with secret-looking fields (API keys, tokens, passwords, private
 * keys…) and secret-looking strings replaced by `"[REDACTED]"`, at any depth. The copy is built
 * from own data properties only, so `__proto__` keys cannot pollute prototypes, and cycles
 * become `"[Circular]"`. Functions are left out (in an array they become `undefined`): none is
 * data, and `JSON.stringify` of the copy would otherwise call an own `toJSON` and write what it
 * returns without redaction.
 *
 * Two rules, both applied at every depth:
 * - **By key**: a field whose name sounds secret (`password`, `passphrase`, `secret`, `token`,
 *   `apiKey`, `privateKey`, `authorization`, `credential`, `cookie`, `auth`, `signingKey`,
 *   `accessKey`, in any case and inside longer names such as `githubToken`) has its value
 *   replaced, unless the value is `null`, `undefined` or a boolean. **Exception**: a name that
 *   ends in an identifier or metadata word is kept, because it names or counts a secret rather
 *   than holding one — in camelCase `…Id`, `…Ids`, `…ID`, `…IDs`, `…Name`, `…Names`, `…Count`,
 *   `…ExpiresAt`, `…IssuedAt` after a lower-case letter or digit (`credentialId`, `secretName`,
 *   `tokenCount`), or in snake_case or kebab-case `…_id`, `…_ids`, `…_name`, `…_names`,
 *   `…_count`, `…_expires_at`, `…_issued_at` in any case (`private_key_id`, `TOKEN_ID`). Nothing
 *   else is exempt: `idToken`, `tokenValue`, `tokenid` and `credentialIdentifier` are redacted.
 * - **By value**: a string that looks like a secret (a PEM private key, a GitHub, Slack, AWS or
 *   OpenAI-style key, a `Bearer` header) is replaced whatever its field is called, including the
 *   exempt identifier fields above.
 */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value, new Set(), 0);
}

function redactValue(value: unknown, ancestors: Set<object>, depth: number): unknown {
  if (typeof value === 'string') return isSecretString(value) ? REDACTED : value;
  // A function is never data, and `JSON.stringify` would call one named `toJSON` (or a function's
  // own `toJSON`) and write whatever it returns, unredacted: it is left out of the copy.
  if (typeof value === 'function') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Error) return { name: value.name, message: redactValue(value.message, ancestors, depth + 1) };
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, ancestors, depth + 1));
    const entries: Array<readonly [string, unknown]> = [];
    for (const key of Object.keys(value)) {
      const field = (value as Record<string, unknown>)[key];
      if (typeof field === 'function') continue;
      const redacted = isSecretKey(key) && field !== undefined && field !== null && typeof field !== 'boolean';
      entries.push([key, redacted ? REDACTED : redactValue(field, ancestors, depth + 1)]);
    }
    // Object.fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries(entries);
  } finally {
    ancestors.delete(value);
  }
}
