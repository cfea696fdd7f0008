import { randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import {
  type Clock,
  CredentialNotFoundError,
  credentialIdSchema,
  credentialScopeSchema,
  InvalidInputError,
  type IssueCredentialOptions,
  type JITCredential,
  type JITCredentialIssuer,
  MAX_TTL_MS,
  parseInput,
  parseTtl,
  systemClock,
  toIsoTime,
} from '@warden/core';
import { readStubConfig } from './stub-config.js';

/** Configuration of {@link createStubJITCredentialIssuer}. */
export interface StubJITCredentialIssuerConfig {
  /**
   * Time source for issuing and expiry. A credential also ends once its TTL has passed on the
   * monotonic clock, so a wall clock stepped back keeps none valid longer. @default Date.now
   */
  now?: Clock;
  /** The longest TTL accepted, in milliseconds. @default MAX_TTL_MS (30 days) */
  maxTtlMs?: number;
}

/** One call the stub received, for assertions. Tokens never appear here: only `issue`'s arguments are kept. */
export interface StubJITCredentialIssuerCall {
  /** The method called. */
  method: 'issue' | 'revoke' | 'isValid';
  /** Its arguments, as given (recorded before validation, so refused calls appear too). */
  args: unknown[];
  /** When it was called (ISO-8601, from `now`). */
  at: string;
}

/** The in-memory credential issuer, with the calls it received. */
export interface StubJITCredentialIssuer extends JITCredentialIssuer {
  /** Every call, in order, including refused ones. */
  readonly calls: readonly StubJITCredentialIssuerCall[];
}

interface IssuedCredential {
  expiresAtMs: number;
  /** The `performance.now()` reading at which the TTL runs out, whatever the wall clock says. */
  endsAt: number;
  revoked: boolean;
}

/** The port's rule for a subject: 1–256 printable ASCII characters, spaces included (as the GitHub issuers). */
const SUBJECT = /^[\x20-\x7e]{1,256}$/;

/** Refuses anything but `undefined` or `{ subject?: printable string }`, naming the field at fault. */
function checkIssueOptions(issueOptions: unknown): void {
  if (issueOptions === undefined) return;
  const problem =
    typeof issueOptions !== 'object' || issueOptions === null || Array.isArray(issueOptions)
      ? { path: '', message: 'must be an object' }
      : Object.keys(issueOptions).find((key) => key !== 'subject') !== undefined
        ? { path: '', message: 'may only contain "subject"' }
        : 'subject' in issueOptions && !(typeof issueOptions.subject === 'string' && SUBJECT.test(issueOptions.subject))
          ? { path: 'subject', message: 'must be 1–256 printable characters' }
          : undefined;
  if (problem) throw new InvalidInputError({ message: `Invalid issue options: ${problem.message}`, issues: [problem] });
}

/**
 * The credential with its token readable as `credential.token` only: not enumerable (so neither
 * spread nor structured clone copies it), and `[redacted]` in `inspect`, `JSON.stringify` and
 * `String()` (issue 18).
 */
function hideToken(credential: JITCredential): JITCredential {
  const { token, ...visible } = credential;
  const redacted = { ...visible, token: '[redacted]' };
  const describe = () => `JITCredential ${JSON.stringify(redacted)}`;
  return Object.defineProperties(visible, {
    token: { get: () => token },
    toJSON: { value: () => redacted },
    toString: { value: describe },
    [inspect.custom]: { value: describe },
  }) as JITCredential;
}

/** A token: 32 bytes from the operating system's CSPRNG, base64url-encoded behind a recognisable prefix. */
function newToken(): string {
  return `wst_${randomBytes(32).toString('base64url')}`;
}

/**
 * Creates an in-memory {@link JITCredentialIssuer}: crypto-random tokens, TTLs parsed like every
 * backend (`"15m"` or milliseconds), expiry read from the injectable `now`, idempotent revocation.
 * Credentials live in this object only; revoked and expired ones are remembered so that `revoke`
 * stays idempotent. A token passed where an id belongs is refused with `INVALID_INPUT` (revoke)
 * or `false` (isValid), and never echoed.
 *
 * @throws `InvalidInputError` when `maxTtlMs` is not a positive whole number of milliseconds.
 * @example
 * const issuer = createStubJITCredentialIssuer();
 * const credential = await issuer.issue(['contents:read'], '15m');
 * await issuer.isValid(credential.id); // true
 * await issuer.revoke(credential.id);
 */
export function createStubJITCredentialIssuer(options?: StubJITCredentialIssuerConfig): StubJITCredentialIssuer {
  const config = readStubConfig(options, 'createStubJITCredentialIssuer', { now: 'function', maxTtlMs: 'number' });
  const now = config.now ?? systemClock;
  const maxTtlMs = config.maxTtlMs ?? MAX_TTL_MS;
  // Checked here, as the GitHub issuers check `maxTtl`: a limit that is not a positive whole
  // number (NaN from an unset variable, say) would otherwise decide every issue() call.
  if (!Number.isSafeInteger(maxTtlMs) || maxTtlMs <= 0) {
    throw new InvalidInputError({
      message: 'Invalid createStubJITCredentialIssuer config: maxTtlMs must be a positive whole number of milliseconds',
      issues: [{ path: 'maxTtlMs', message: 'must be a positive whole number of milliseconds' }],
    });
  }
  const credentials = new Map<string, IssuedCredential>();
  // Kept only to recognise a token passed where an id belongs, so it is refused without being echoed.
  const tokens = new Set<string>();
  const calls: StubJITCredentialIssuerCall[] = [];
  const record = (method: StubJITCredentialIssuerCall['method'], args: unknown[]): void => {
    calls.push({ method, args, at: toIsoTime(now()) });
  };
  // A token passed where its id belongs is recorded redacted, so `calls` never shows one: the
  // token itself, and a string that carries one (`Bearer <token>`, a header line, a token with a
  // newline), which a caller mixing up an Authorization header and an id would pass.
  const shownId = (credentialId: unknown): unknown => {
    if (typeof credentialId !== 'string') return credentialId;
    for (const token of tokens) if (credentialId.includes(token)) return '[redacted]';
    return credentialId;
  };
  const validId = (credentialId: unknown, method: string): string => {
    if (typeof credentialId === 'string' && tokens.has(credentialId)) {
      throw new InvalidInputError({
        message: `${method}() takes a credential id, but was given a credential's token (not shown)`,
        issues: [{ path: 'credentialId', message: 'is a token, not a credential id' }],
      });
    }
    return parseInput(credentialIdSchema, credentialId, 'credential id');
  };

  return {
    specificationVersion: 'jit-credential-issuer-v1',
    providerId: 'stub',
    calls,
    async issue(scope: string[], ttl: string | number, issueOptions?: IssueCredentialOptions) {
      record('issue', [scope, ttl, issueOptions]);
      const validScope = parseInput(credentialScopeSchema, scope, 'credential scope');
      const ttlMs = parseTtl(ttl, maxTtlMs);
      checkIssueOptions(issueOptions);
      const issuedAtMs = now();
      const credential: JITCredential = {
        id: `cred_${randomUUID()}`,
        token: newToken(),
        scope: [...validScope],
        issuedAt: toIsoTime(issuedAtMs),
        expiresAt: toIsoTime(issuedAtMs + ttlMs),
      };
      credentials.set(credential.id, {
        expiresAtMs: issuedAtMs + ttlMs,
        endsAt: performance.now() + ttlMs,
        revoked: false,
      });
      tokens.add(credential.token);
      return hideToken(credential);
    },
    async revoke(credentialId: string) {
      record('revoke', [shownId(credentialId)]);
      const id = validId(credentialId, 'revoke');
      const issued = credentials.get(id);
      if (!issued) throw new CredentialNotFoundError({ id });
      issued.revoked = true;
    },
    async isValid(credentialId: string) {
      record('isValid', [shownId(credentialId)]);
      if (typeof credentialId === 'string' && tokens.has(credentialId)) return false;
      const issued = credentials.get(validId(credentialId, 'isValid'));
      // Valid until either clock says the TTL is over: a wall clock stepped back must not extend it.
      return issued !== undefined && !issued.revoked && now() < issued.expiresAtMs && performance.now() < issued.endsAt;
    },
  };
}
