/**
 * Redaction before anything is written: a secret-bearing field (by core's rules, see
 * `redactSecrets`) becomes `hmac-sha256:<base64url>` of its value under a key only the log
 * operator holds, so equal secrets still correlate across entries without being revealed (as
 * Vault's audit devices do).
 *
 * @module
 */
import { createHmac } from 'node:crypto';
import { REDACTED, redactSecrets } from '@warden/core';

/** Replaces every secret of `value` with its keyed HMAC; the copy holds own data properties only. */
export function hmacRedact(value: unknown, key: Uint8Array): unknown {
  // Core decides what is secret (one pass, its rules); every value it replaced gets its HMAC instead.
  return restore(value, redactSecrets(value), key);
}

/** The HMAC form of one secret value. */
function hmacOf(value: unknown, key: Uint8Array): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `hmac-sha256:${createHmac('sha256', key).update(text).digest('base64url')}`;
}

// Walks core's fresh copy alongside the original and fills in HMACs in place.
function restore(original: unknown, redacted: unknown, key: Uint8Array): unknown {
  if (redacted === REDACTED) return original === REDACTED || original === undefined ? REDACTED : hmacOf(original, key);
  if (typeof redacted !== 'object' || redacted === null || typeof original !== 'object' || original === null)
    return redacted;
  const copy = redacted as Record<string, unknown>;
  const source = original as Record<string, unknown>;
  for (const field of Object.keys(copy)) {
    const item = copy[field];
    if (typeof item === 'object' || item === REDACTED) copy[field] = restore(source[field], item, key);
  }
  return copy;
}
