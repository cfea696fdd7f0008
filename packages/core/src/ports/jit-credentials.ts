/**
 * The `JITCredentialIssuer` port: short-lived credentials for one run.
 *
 * @module
 */
import { z } from 'zod';
import type { ProviderIdentity } from './specification.js';

/** A credential issued just in time. `token` is crypto-random and must never be logged. */
export interface JITCredential {
  /** Identifies the credential for `revoke` and `isValid`; not secret. */
  id: string;
  /** The secret value. Never logged, never in errors or events. */
  token: string;
  /** What the credential allows, as given to `issue`. */
  scope: string[];
  /** When it was issued (ISO-8601). */
  issuedAt: string;
  /** When it stops being valid (ISO-8601). */
  expiresAt: string;
}

/** Options for `issue`. */
export interface IssueCredentialOptions {
  /**
   * Who the credential is for (an agent or session id), recorded with it: 1–256 printable ASCII
   * characters, spaces included. Every issuer refuses anything else with `InvalidInputError`.
   */
  subject?: string;
}

/**
 * Issues short-lived credentials.
 *
 * An implementation must:
 * - accept a TTL as a positive duration string (`"15m"`) or positive milliseconds, and throw
 *   `InvalidInputError` for anything else (zero, negative, malformed, larger than it supports);
 * - throw `InvalidInputError` for an empty scope list or a malformed scope entry;
 * - generate tokens with a cryptographically secure random source;
 * - make `revoke` idempotent for credentials it issued, and throw `CredentialNotFoundError` for ids it never issued;
 * - answer `isValid` with `false` for unknown, revoked and expired credentials;
 * - never put a token into an error, a log line or an event.
 */
export interface JITCredentialIssuer extends ProviderIdentity<'jit-credential-issuer-v1'> {
  /** Issues a credential limited to `scope`, expiring after `ttl`. */
  issue(scope: string[], ttl: string | number, options?: IssueCredentialOptions): Promise<JITCredential>;
  /** Revokes a credential; idempotent. */
  revoke(credentialId: string): Promise<void>;
  /** True while the credential is issued, unrevoked and unexpired. */
  isValid(credentialId: string): Promise<boolean>;
  /** Releases connections and timers the adapter owns. Optional. */
  close?(): Promise<void>;
}

/** Validates a scope list: 1–100 entries of 1–200 printable characters. */
export const credentialScopeSchema: z.ZodType<string[]> = z
  .array(z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be 1–200 printable characters without spaces'))
  .min(1, 'must name at least one scope')
  .max(100);

/** Validates a credential id. */
export const credentialIdSchema: z.ZodType<string> = z
  .string()
  .regex(/^[\x21-\x7e]{1,256}$/, 'must be a credential id');
