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

const MAX_DEPTH = 32;

/** Replaces every secret of `value` with its keyed HMAC; the copy holds own data properties only. */
export function hmacRedact(value: unknown, key: Uint8Array): unknown {
  return redactValue(value, key, new Set(), 0);
}

/** The HMAC form of one secret value. */
export function hmacOf(value: unknown, key: Uint8Array): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `hmac-sha256:${createHmac('sha256', key).update(text).digest('base64url')}`;
}

function isSecretField(field: string, value: unknown): boolean {
  // Asks core whether a field of that name would be redacted, so both follow one rule.
  const probe = redactSecrets({ [field]: typeof value === 'object' && value !== null ? '' : value }) as Record<
    string,
    unknown
  >;
  return probe[field] === REDACTED && value !== REDACTED;
}

function redactValue(value: unknown, key: Uint8Array, ancestors: Set<object>, depth: number): unknown {
  if (typeof value === 'string')
    return value !== REDACTED && redactSecrets(value) === REDACTED ? hmacOf(value, key) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (ancestors.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Error)
    return { name: value.name, message: redactValue(value.message, key, ancestors, depth + 1) };
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, key, ancestors, depth + 1));
    const entries = Object.keys(value).map((field) => {
      const item = (value as Record<string, unknown>)[field];
      const secret = item !== undefined && item !== null && typeof item !== 'boolean' && isSecretField(field, item);
      return [field, secret ? hmacOf(item, key) : redactValue(item, key, ancestors, depth + 1)] as const;
    });
    return Object.fromEntries(entries);
  } finally {
    ancestors.delete(value);
  }
}
