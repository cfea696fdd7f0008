/**
 * GitHub Actions secret names, and the naming convention that lets any process find and expire
 * the secrets Warden issued: `<prefix><expiry in epoch seconds>_<random hex>`, for example
 * `WARDEN_JIT_1767225600_9F2C4A1B3D5E7F601A2B`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

/**
 * True when `name` is a valid GitHub Actions secret name: letters, digits and `_` only, not
 * starting with a digit, not starting with `GITHUB_` (in any case).
 */
export function isValidGitHubSecretName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^GITHUB_/i.test(name);
}

/** True when `prefix` can start credential secret names: upper-case, valid for GitHub, ending in `_`. */
export function isValidCredentialPrefix(prefix: string): boolean {
  return /^[A-Z_][A-Z0-9_]{0,63}_$/.test(prefix) && isValidGitHubSecretName(prefix);
}

/**
 * Builds a credential's secret name. The expiry is rounded up to the second, so a sweep never
 * deletes a secret early. Upper-case throughout, because GitHub reports names upper-case.
 */
export function formatCredentialSecretName(prefix: string, expiresAtMs: number): string {
  const expirySeconds = Math.ceil(expiresAtMs / 1000);
  return `${prefix}${expirySeconds}_${randomBytes(10).toString('hex').toUpperCase()}`;
}

/** Reads the expiry back from a name built by {@link formatCredentialSecretName}; `undefined` for any other name. */
export function parseCredentialSecretName(prefix: string, name: string): { expiresAtMs: number } | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const match = /^([1-9][0-9]{0,11})_[0-9A-F]{20}$/.exec(name.slice(prefix.length));
  return match?.[1] ? { expiresAtMs: Number(match[1]) * 1000 } : undefined;
}
