import { expect, it } from 'vitest';
import { expectCredential, type IssuerSuite } from './harness.js';

const DURATIONS: ReadonlyArray<readonly [string | number, number]> = [
  ['90s', 90_000],
  ['15m', 900_000],
  ['1h', 3_600_000],
  ['1d', 86_400_000],
  [120_000, 120_000],
];

/** issue, revoke and isValid as the port promises. */
export function registerIssuerBasics({ harness, capabilities, scope, timeoutMs }: IssuerSuite): void {
  it(
    'names its port version and provider',
    async () => {
      const { issuer } = await harness();
      expect(issuer.specificationVersion).toBe('jit-credential-issuer-v1');
      expect(issuer.providerId).toMatch(/\S/);
    },
    timeoutMs,
  );

  it(
    "issue(scope, '15m') returns a credential that isValid(id) accepts",
    async () => {
      const { issuer } = await harness();
      const credential = await issuer.issue(scope, '15m');
      expectCredential(credential, scope, 900_000, capabilities.ttlGranularityMs);
      expect(await issuer.isValid(credential.id)).toBe(true);
    },
    timeoutMs,
  );

  it(
    'issue(scope, ttl) accepts every duration unit, whole milliseconds and the longest TTL it supports',
    async () => {
      const { issuer } = await harness();
      const durations = [...DURATIONS, [capabilities.maxTtlMs, capabilities.maxTtlMs] as const];
      for (const [ttl, milliseconds] of durations.filter(([, ms]) => ms <= capabilities.maxTtlMs)) {
        const credential = await issuer.issue(scope, ttl);
        expectCredential(credential, scope, milliseconds, capabilities.ttlGranularityMs);
      }
    },
    timeoutMs,
  );

  it(
    'issue(scope, ttl, { subject }) keeps the scope as given, unaffected by later changes to the array',
    async () => {
      const { issuer } = await harness();
      const requested = [...scope];
      const credential = await issuer.issue(requested, '15m', { subject: 'agent-7' });
      requested.push('changed:afterwards');
      expect(credential.scope).toEqual(scope);
      expect(await issuer.isValid(credential.id)).toBe(true);
    },
    timeoutMs,
  );

  it(
    'revoke(id) makes isValid(id) false, leaves other credentials valid, and is idempotent',
    async () => {
      const { issuer } = await harness();
      const revoked = await issuer.issue(scope, '15m');
      const kept = await issuer.issue(scope, '15m');
      await issuer.revoke(revoked.id);
      await issuer.revoke(revoked.id);
      expect(await issuer.isValid(revoked.id)).toBe(false);
      expect(await issuer.isValid(kept.id)).toBe(true);
    },
    timeoutMs,
  );

  it(
    'revoke(id) called concurrently resolves every call',
    async () => {
      const { issuer } = await harness();
      const { id } = await issuer.issue(scope, '15m');
      await expect(Promise.all([issuer.revoke(id), issuer.revoke(id), issuer.revoke(id)])).resolves.toHaveLength(3);
      expect(await issuer.isValid(id)).toBe(false);
    },
    timeoutMs,
  );

  it(
    'isValid(id) of an id never issued is false',
    async () => {
      const { issuer } = await harness();
      expect(await issuer.isValid('warden-contract-never-issued')).toBe(false);
    },
    timeoutMs,
  );
}
