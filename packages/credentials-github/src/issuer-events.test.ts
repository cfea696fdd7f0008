import type { SecurityEventEmitter } from '@warden/core';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker here is a fault: an `events` emitter that throws (a custom one, an audit pipe
// that broke). It was called after GitHub had acted, so `issue` threw with a live token or
// secret the caller never got, `revoke` threw for a credential it had revoked, and `sweep`
// reported as still alive credentials it had removed. What must hold: the outcome is GitHub's.

let fake: GitHubFake;
let clock: number;

afterEach(async () => {
  await fake.close();
});

const throwingEmitter = (): SecurityEventEmitter =>
  ({
    on: () => () => {},
    off: () => {},
    emit: () => {
      throw new Error('audit pipe broken');
    },
  }) as SecurityEventEmitter;

describe('GitHub issuers with an events emitter that throws', () => {
  it('App tokens: issue() returns the token, revoke() and sweep() report what they revoked', async () => {
    clock = Date.now();
    fake = await startGitHubFake({
      installation: { permissions: { contents: 'write', metadata: 'read' }, repositories: ['sandbox'] },
    });
    const issuer = createAppTokenIssuerOnFake(fake, {
      events: throwingEmitter(),
      repositories: ['sandbox'],
      now: () => clock,
    });
    const revoked = await issuer.issue(['contents:read'], '5m');
    await expect(issuer.revoke(revoked.id)).resolves.toBeUndefined();
    const expiring = await issuer.issue(['contents:read'], '1m');
    clock += 2 * 60_000;
    await expect(issuer.sweep()).resolves.toEqual([expiring.id]);
    const tokens = fake.app.tokens();
    expect(tokens.map((token) => token.token)).toEqual([revoked.token, expiring.token]);
    expect(tokens.every((token) => token.revoked)).toBe(true);
  });

  it('Actions secrets: issue() returns the credential, revoke() and sweep() report what they deleted', async () => {
    clock = Date.parse('2026-06-01T12:00:00Z');
    fake = await startGitHubFake();
    const issuer = createJITIssuerOnFake(fake, { events: throwingEmitter(), now: () => clock });
    const revoked = await issuer.issue(['deploy'], '5m');
    await expect(issuer.revoke(revoked.id)).resolves.toBeUndefined();
    const expiring = await issuer.issue(['deploy'], '1m');
    clock += 2 * 60_000;
    await expect(issuer.sweep()).resolves.toEqual([expiring.id]);
    expect(fake.secretNames({ owner: fake.owner, repo: 'sandbox' })).toEqual([]);
  });
});
