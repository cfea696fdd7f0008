import { expect, it } from 'vitest';
import type { IssuerSuite } from './harness.js';

/** The exact end of a credential's life, revocation seen at once, and ids never reused. */
export function registerIssuerLifetime({ harness, capabilities, scope, timeoutMs }: IssuerSuite): void {
  if (capabilities.ttlGranularityMs === 0) {
    it(
      'isValid(id) is true one millisecond before expiresAt and false at exactly expiresAt',
      async () => {
        const { issuer, advance } = await harness();
        const credential = await issuer.issue(scope, '90s');
        const lifetime = Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt);
        await advance(lifetime - 1);
        expect(await issuer.isValid(credential.id), 'one millisecond before expiresAt').toBe(true);
        await advance(1);
        expect(await issuer.isValid(credential.id), 'at exactly expiresAt').toBe(false);
        await advance(1);
        expect(await issuer.isValid(credential.id), 'after expiresAt').toBe(false);
      },
      timeoutMs,
    );

    it(
      'isValid(id) of a credential issued with numeric milliseconds is false at exactly expiresAt',
      async () => {
        const { issuer, advance } = await harness();
        const credential = await issuer.issue(scope, 60_000);
        await advance(59_999);
        expect(await issuer.isValid(credential.id)).toBe(true);
        await advance(1);
        expect(await issuer.isValid(credential.id)).toBe(false);
      },
      timeoutMs,
    );
  } else {
    it(
      'isValid(id) is false once expiresAt has passed by the backend’s granularity',
      async () => {
        const { issuer, advance } = await harness();
        const credential = await issuer.issue(scope, '90s');
        const lifetime = Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt);
        await advance(lifetime + capabilities.ttlGranularityMs);
        expect(await issuer.isValid(credential.id)).toBe(false);
      },
      timeoutMs,
    );
  }
}

/** Changes seen at once and ids never reused; needs no clock. */
export function registerIssuerRevocation({ harness, scope, timeoutMs }: IssuerSuite): void {
  it(
    'isValid(id) answers revoke(id) as soon as it resolves, even right after a read',
    async () => {
      const { issuer } = await harness();
      const credential = await issuer.issue(scope, '15m');
      expect(await issuer.isValid(credential.id)).toBe(true);
      await issuer.revoke(credential.id);
      expect(await issuer.isValid(credential.id)).toBe(false);
    },
    timeoutMs,
  );

  it(
    'issue() after revoke(id) never hands out the revoked id again',
    async () => {
      const { issuer } = await harness();
      const revoked = await issuer.issue(scope, '15m');
      await issuer.revoke(revoked.id);
      const later = await Promise.all(Array.from({ length: 5 }, () => issuer.issue(scope, '15m')));
      for (const credential of later) {
        expect(credential.id).not.toBe(revoked.id);
        expect(credential.token).not.toBe(revoked.token);
      }
      expect(await issuer.isValid(revoked.id)).toBe(false);
    },
    timeoutMs,
  );
}
