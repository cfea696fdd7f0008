/**
 * The credential object both GitHub issuers return: its token is readable as `token` but kept
 * in a private field, so `inspect`, `console.log`, `JSON.stringify`, structured clone and
 * enumeration of the credential show `[redacted]` or nothing instead.
 *
 * @module
 */
import { inspect } from 'node:util';
import type { JITCredential } from '@warden/core';

/** What every string form of a secret shows instead of it. */
export const REDACTED = '[redacted]';

/**
 * A {@link JITCredential} whose token only `credential.token` reads (a prototype getter over a
 * private field); every other form shows `[redacted]`.
 */
export function issuedCredential(fields: JITCredential): JITCredential {
  return new IssuedCredential(fields);
}

class IssuedCredential implements JITCredential {
  readonly id: string;
  readonly scope: string[];
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly #token: string;

  constructor(fields: JITCredential) {
    this.id = fields.id;
    this.scope = [...fields.scope];
    this.issuedAt = fields.issuedAt;
    this.expiresAt = fields.expiresAt;
    this.#token = fields.token;
  }

  /** The secret itself: a getter on the prototype, so it is neither enumerated nor cloned. */
  get token(): string {
    return this.#token;
  }

  /** The credential with its token redacted. */
  toJSON(): Record<string, unknown> {
    return { id: this.id, token: REDACTED, scope: this.scope, issuedAt: this.issuedAt, expiresAt: this.expiresAt };
  }

  /** The credential with its token redacted. */
  toString(): string {
    return `JITCredential ${JSON.stringify(this)}`;
  }

  /** What `util.inspect` and `console.log` show: the redacted form. */
  [inspect.custom](): string {
    return this.toString();
  }
}
