import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker makes Warden request (and revoke) credentials for many distinct repositories, to
// grow what the issuer remembers without bound. What must hold: the issuer never remembers more
// than `maxTrackedCredentials` (counted in entries), never forgets a credential it must still
// revoke, and refuses to issue (QUOTA_EXCEEDED, before asking GitHub) rather than exceed the bound.

const FLOOD = 120;
const MAX = 25;

let fake: GitHubFake;
let clock: number;

afterEach(async () => {
  await fake.close();
});

describe('GitHub App token issuer under a flood of requests for distinct repositories', () => {
  const repositories = Array.from({ length: FLOOD }, (_, index) => `repo-${index}`);
  const start = async () => {
    clock = Date.parse('2026-06-01T12:00:00Z');
    fake = await startGitHubFake({
      now: () => clock,
      installation: { permissions: { contents: 'write', metadata: 'read' }, repositories },
    });
    return createAppTokenIssuerOnFake(fake, { now: () => clock, maxTrackedCredentials: MAX });
  };

  it('an agent issuing and revoking a token per repository: the issuer never remembers more than maxTrackedCredentials', async () => {
    const issuer = await start();
    let most = 0;
    for (const repository of repositories) {
      const credential = await issuer.issue(['contents:read', `repository:${repository}`], '15m');
      await issuer.revoke(credential.id);
      most = Math.max(most, issuer.trackedCredentials);
    }
    expect(fake.app.tokens()).toHaveLength(FLOOD);
    expect(fake.app.tokens().every((token) => token.revoked)).toBe(true);
    expect(most).toBe(MAX);
    // Once they have expired, a sweep forgets every revoked token.
    clock += 60 * 60_000;
    await issuer.sweep();
    expect(issuer.trackedCredentials).toBe(0);
  });

  it('an agent holding live tokens for many repositories: issue is refused with QUOTA_EXCEEDED at the bound, before GitHub mints anything, and no live token is forgotten', async () => {
    const issuer = await start();
    const live = [];
    for (const repository of repositories.slice(0, MAX)) {
      live.push(await issuer.issue(['contents:read', `repository:${repository}`], '15m'));
    }
    await expect(issuer.issue(['contents:read', 'repository:repo-119'], '15m')).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    expect(fake.app.tokens()).toHaveLength(MAX);
    for (const credential of live) expect(await issuer.isValid(credential.id)).toBe(true);
    // Expired tokens still to be revoked are kept (only the issuer can revoke them) until swept.
    clock += 20 * 60_000;
    await expect(issuer.issue(['contents:read', 'repository:repo-119'], '15m')).rejects.toMatchObject({
      code: 'QUOTA_EXCEEDED',
    });
    expect(await issuer.sweep()).toHaveLength(MAX);
    expect(fake.app.tokens().every((token) => token.revoked)).toBe(true);
    await issuer.issue(['contents:read', 'repository:repo-119'], '15m');
  });

  it('a flood of concurrent requests cannot all pass one count: exactly maxTrackedCredentials tokens are minted', async () => {
    const issuer = await start();
    const outcomes = await Promise.all(
      repositories.slice(0, 4 * MAX).map((repository) =>
        issuer.issue(['contents:read', `repository:${repository}`], '15m').then(
          () => 'issued',
          (error: { code?: string }) => error.code,
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'issued')).toHaveLength(MAX);
    expect(outcomes.filter((outcome) => outcome === 'QUOTA_EXCEEDED')).toHaveLength(3 * MAX);
    expect(fake.app.tokens()).toHaveLength(MAX);
    expect(issuer.trackedCredentials).toBe(MAX);
  });
});

describe('GitHub Actions-secrets issuer under a flood of issued and revoked credentials', () => {
  const start = async () => {
    clock = Date.parse('2026-06-01T12:00:00Z');
    fake = await startGitHubFake({ now: () => clock });
    return createJITIssuerOnFake(fake, { now: () => clock, maxTrackedCredentials: MAX });
  };

  it('an agent issuing and revoking credential after credential: the issuer never remembers more than maxTrackedCredentials, and a revoked one stays invalid', async () => {
    const issuer = await start();
    let most = 0;
    const revoked = [];
    for (let index = 0; index < FLOOD; index++) {
      const credential = await issuer.issue(['deploy'], '15m');
      await issuer.revoke(credential.id);
      revoked.push(credential.id);
      most = Math.max(most, issuer.trackedCredentials);
    }
    expect(most).toBe(MAX);
    expect(fake.secretNames({ owner: fake.owner, repo: 'sandbox' })).toEqual([]);
    // Forgotten or not, a revoked credential is never valid again.
    for (const id of revoked.slice(0, 5)) expect(await issuer.isValid(id)).toBe(false);
  });

  it('an agent holding live credentials: issue is refused with QUOTA_EXCEEDED at the bound, nothing more is stored on GitHub, and expiry makes room', async () => {
    const issuer = await start();
    const live = [];
    for (let index = 0; index < MAX; index++) live.push(await issuer.issue(['deploy'], '15m'));
    await expect(issuer.issue(['deploy'], '15m')).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(fake.secretNames({ owner: fake.owner, repo: 'sandbox' })).toHaveLength(MAX);
    for (const credential of live) expect(await issuer.isValid(credential.id)).toBe(true);
    // Past their expiry (carried in each name) they need no memory: isValid and sweep read it from the name.
    clock += 20 * 60_000;
    await issuer.issue(['deploy'], '15m');
    expect(issuer.trackedCredentials).toBe(1);
    for (const credential of live) expect(await issuer.isValid(credential.id)).toBe(false);
    expect(await issuer.sweep()).toHaveLength(MAX);
  });
});
