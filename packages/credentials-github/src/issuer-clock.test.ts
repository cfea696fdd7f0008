import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker here is a fault: the issuer's wall clock steps (an NTP correction, a VM resumed
// from suspend, a misconfigured injected clock) or stops being a number at all.

let fake: GitHubFake;
let clock: number;

afterEach(async () => {
  await fake.close();
});

describe('GitHub App token issuer: a wall clock that steps forward', () => {
  it("sweep() after the clock jumped past GitHub's hour still revokes the token on GitHub (GitHub's clock decides, not ours)", async () => {
    fake = await startGitHubFake({
      installation: { permissions: { contents: 'write', metadata: 'read' }, repositories: ['sandbox'] },
    });
    clock = Date.now();
    const issuer = createAppTokenIssuerOnFake(fake, { now: () => clock, repositories: ['sandbox'] });
    const credential = await issuer.issue(['contents:read'], '5m');
    clock += 2 * 3_600_000; // the local clock steps two hours; GitHub still honours the token
    expect(await issuer.isValid(credential.id)).toBe(false);
    await issuer.sweep();
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
  });
});

describe('GitHub JIT issuer: a clock that returns NaN', () => {
  it('isValid(id) fails closed (false), issue() stores nothing and throws BACKEND_UNAVAILABLE, sweep() throws', async () => {
    fake = await startGitHubFake();
    clock = Date.now();
    const issuer = createJITIssuerOnFake(fake, { now: () => clock });
    const credential = await issuer.issue(['deploy'], '15m');
    clock = Number.NaN;
    expect(await issuer.isValid(credential.id)).toBe(false);
    await expect(issuer.issue(['deploy'], '15m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(issuer.sweep()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fake.secretNames({ owner: fake.owner, repo: 'sandbox' })).toEqual([credential.id]);
  });
});

describe('GitHub App token issuer: a clock that returns NaN', () => {
  it('isValid(id) is false, issue() mints nothing and throws BACKEND_UNAVAILABLE, sweep() throws', async () => {
    fake = await startGitHubFake({
      installation: { permissions: { contents: 'write', metadata: 'read' }, repositories: ['sandbox'] },
    });
    clock = Date.now();
    const issuer = createAppTokenIssuerOnFake(fake, { now: () => clock, repositories: ['sandbox'] });
    const credential = await issuer.issue(['contents:read'], '5m');
    clock = Number.NaN;
    expect(await issuer.isValid(credential.id)).toBe(false);
    await expect(issuer.issue(['contents:read'], '5m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(issuer.sweep()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fake.app.tokens()).toHaveLength(1);
  });
});

describe('GitHub JIT issuer: a clock that reads far off (microseconds, or beyond any date)', () => {
  for (const [what, reading] of [
    ['microseconds instead of milliseconds', () => Date.now() * 1000],
    ['a time beyond any date', () => 1e20],
  ] as const) {
    it(`issue() with a clock in ${what} stores nothing (BACKEND_UNAVAILABLE): never a secret no process can revoke or sweep`, async () => {
      fake = await startGitHubFake();
      const issuer = createJITIssuerOnFake(fake, { now: reading });
      await expect(issuer.issue(['deploy'], '15m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(fake.secretNames({ owner: fake.owner, repo: 'sandbox' })).toEqual([]);
    });
  }
});
