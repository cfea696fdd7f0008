import { expect, it } from 'vitest';
import type { IssuerSuite } from './harness.js';

/** Expiry, driven by the subject's clock instead of sleeping. */
export function registerIssuerExpiry({ harness, capabilities, scope, timeoutMs }: IssuerSuite): void {
  const margin = capabilities.ttlGranularityMs + 1;

  it(
    'isValid(id) is true until the TTL has passed and false afterwards',
    async () => {
      const { issuer, advance } = await harness();
      const credential = await issuer.issue(scope, '90s');
      await advance(90_000 - margin);
      expect(await issuer.isValid(credential.id)).toBe(true);
      await advance(2 * margin);
      expect(await issuer.isValid(credential.id)).toBe(false);
    },
    timeoutMs,
  );

  it(
    'revoke(id) of an expired credential resolves',
    async () => {
      const { issuer, advance } = await harness();
      const numeric = await issuer.issue(scope, 60_000);
      await advance(60_000 + margin);
      expect(await issuer.isValid(numeric.id)).toBe(false);
      await expect(issuer.revoke(numeric.id)).resolves.toBeUndefined();
    },
    timeoutMs,
  );

  it(
    'issue(scope, ttl) after time has moved starts the TTL from the new time',
    async () => {
      const { issuer, advance } = await harness();
      const first = await issuer.issue(scope, '15m');
      await advance(600_000);
      const second = await issuer.issue(scope, '15m');
      const moved = Date.parse(second.issuedAt) - Date.parse(first.issuedAt);
      expect(Math.abs(moved - 600_000)).toBeLessThanOrEqual(capabilities.ttlGranularityMs);
      await advance(600_000);
      expect(await issuer.isValid(first.id)).toBe(false);
      expect(await issuer.isValid(second.id)).toBe(true);
    },
    timeoutMs,
  );
}
