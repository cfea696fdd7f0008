import { createSecurityEventEmitter, type JITCredential, type SecurityEvent } from '@warden/core';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, describe, expect, it } from 'vitest';
import { SweepIncompleteError } from './issuer-retry.js';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker here is a fault: GitHub failing one deletion in the middle of a sweep. What must
// hold: every other expired credential is still removed, the failed one is retried with backoff,
// and one that stays alive is reported alive, never revoked.

let fake: GitHubFake;
let clock: number;
const repository = () => ({ owner: fake.owner, repo: 'sandbox' });

afterEach(async () => {
  await fake.close();
});

/** Records every wait instead of waiting. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

async function sweepError(sweep: Promise<string[]>): Promise<SweepIncompleteError> {
  const error = await sweep.then(
    () => expect.fail('sweep() resolved although a credential is still alive'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AggregateError);
  return error as SweepIncompleteError;
}

describe('GitHub JIT issuer: sweep() with one failing deletion in the middle', () => {
  async function threeExpired(overrides: Parameters<typeof createJITIssuerOnFake>[1] = {}) {
    clock = Date.parse('2026-06-01T12:00:00Z');
    fake = await startGitHubFake();
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const { sleep, waits } = recordingSleep();
    const issuer = createJITIssuerOnFake(fake, { now: () => clock, events: emitter, sleep, ...overrides });
    for (const ttl of ['1m', '2m', '3m']) await issuer.issue(['a'], ttl);
    clock += 10 * 60_000;
    const names = fake.secretNames(repository()).sort();
    expect(names).toHaveLength(3);
    const middle = names[1] as string;
    const path = `/repos/${fake.owner}/sandbox/actions/secrets/${middle}`;
    return { issuer, names, middle, path, events, waits };
  }

  it('a deletion that keeps failing (403): the others are deleted, the sweep rejects naming the one still alive, and it is not reported revoked', async () => {
    const { issuer, names, middle, path, events, waits } = await threeExpired();
    fake.injectFault({ kind: 'status', status: 403, path, times: 100 });
    const error = await sweepError(issuer.sweep());
    expect(error.alive).toEqual([middle]);
    expect(error.removed.sort()).toEqual(names.filter((name) => name !== middle));
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toMatchObject({ code: 'ACCESS_DENIED' });
    expect(error.message).toContain(middle);
    expect(fake.secretNames(repository())).toEqual([middle]);
    expect(fake.requestsTo('actions/delete-repo-secret').filter((request) => request.path === path)).toHaveLength(3);
    expect(waits).toEqual([1, 2]);
    const revokedIds = events.filter((event) => event.type === 'credential_revoked').map((event) => event.details.id);
    expect(revokedIds.sort()).toEqual(error.removed.sort());
    fake.clearFaults();
    expect(await issuer.sweep()).toEqual([middle]);
    expect(fake.secretNames(repository())).toEqual([]);
  });

  it('the rejection of an incomplete sweep carries the stable code SWEEP_INCOMPLETE, like every Warden error, and is still an AggregateError', async () => {
    const { issuer, middle, path } = await threeExpired({ revokeAttempts: 1 });
    fake.injectFault({ kind: 'status', status: 403, path, times: 100 });
    const error = await sweepError(issuer.sweep());
    expect(error.code).toBe('SWEEP_INCOMPLETE');
    expect(error.name).toBe('SweepIncompleteError');
    expect(SweepIncompleteError.isInstance(error)).toBe(true);
    expect(SweepIncompleteError.isInstance(new AggregateError([], 'not a sweep'))).toBe(false);
    expect(error.alive).toEqual([middle]);
    // A caller that logs the error by code, as it does every other Warden error, sees the code.
    expect(Object.keys(error)).toContain('code');
  });

  it('a deletion that fails once (503 past the client retries) is retried after the others and the sweep resolves with all three', async () => {
    const { issuer, names, path, waits } = await threeExpired({ retries: 0 });
    fake.injectFault({ kind: 'status', status: 503, path });
    expect((await issuer.sweep()).sort()).toEqual(names);
    expect(fake.secretNames(repository())).toEqual([]);
    expect(waits).toEqual([1]);
  });

  it('with revokeAttempts: 1, one round and no wait', async () => {
    const { issuer, middle, path, waits } = await threeExpired({ revokeAttempts: 1 });
    fake.injectFault({ kind: 'status', status: 403, path, times: 100 });
    expect((await sweepError(issuer.sweep())).alive).toEqual([middle]);
    expect(waits).toEqual([]);
  });

  it('a background sweep tells onSweepError once per credential left alive', async () => {
    const reported: unknown[] = [];
    const { issuer, path } = await threeExpired({ onSweepError: (error) => reported.push(error) });
    fake.injectFault({ kind: 'status', status: 403, path, times: 100 });
    const background = createJITIssuerOnFake(fake, {
      now: () => clock,
      sleep: async () => {},
      sweepIntervalMs: 10,
      onSweepError: (error) => reported.push(error),
    });
    try {
      await expect.poll(() => reported.length, { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
      expect(reported[0]).toMatchObject({ code: 'ACCESS_DENIED' });
    } finally {
      await background.close();
      await issuer.close();
    }
  });
});

describe('GitHub JIT issuer: revoke(id) under failures', () => {
  it('retries with doubling backoff and succeeds; when every attempt fails it throws and the credential stays valid', async () => {
    clock = Date.parse('2026-06-01T12:00:00Z');
    fake = await startGitHubFake();
    const { sleep, waits } = recordingSleep();
    const issuer = createJITIssuerOnFake(fake, { now: () => clock, sleep, revokeBackoffMs: 100, retries: 0 });
    const first = await issuer.issue(['a'], '10m');
    fake.injectFault({ kind: 'status', status: 403, times: 2, operationId: 'actions/delete-repo-secret' });
    await issuer.revoke(first.id);
    expect(waits).toEqual([100, 200]);
    expect(await issuer.isValid(first.id)).toBe(false);

    const second = await issuer.issue(['a'], '10m');
    fake.injectFault({ kind: 'status', status: 403, times: 3, operationId: 'actions/delete-repo-secret' });
    await expect(issuer.revoke(second.id)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await issuer.isValid(second.id)).toBe(true);
    expect(fake.secretNames(repository())).toEqual([second.id]);
  });
});

describe('GitHub App token issuer: sweep() with one failing revocation in the middle', () => {
  async function threeExpired() {
    clock = Date.now();
    fake = await startGitHubFake({ now: () => clock });
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const { sleep, waits } = recordingSleep();
    const issuer = createAppTokenIssuerOnFake(fake, {
      now: () => clock,
      repositories: ['sandbox'],
      events: emitter,
      sleep,
    });
    const credentials = [];
    for (let index = 0; index < 3; index++) credentials.push(await issuer.issue(['contents:read'], '2m'));
    clock += 5 * 60_000;
    return { issuer, credentials, events, waits };
  }

  it('a revocation that keeps failing (503): the others are revoked, the sweep rejects naming the one still alive, and it is not reported revoked', async () => {
    const { issuer, credentials, events, waits } = await threeExpired();
    const [first, middle, last] = credentials as [JITCredential, JITCredential, JITCredential];
    fake.injectFault({ kind: 'status', status: 503, token: middle.token, times: 100 });
    const error = await sweepError(issuer.sweep());
    expect(error.alive).toEqual([middle.id]);
    expect(error.removed).toEqual([first.id, last.id]);
    expect(error.errors[0]).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(JSON.stringify(error)).not.toContain(middle.token);
    expect(error.message).not.toContain(middle.token);
    expect(fake.app.tokens().map((token) => token.revoked)).toEqual([true, false, true]);
    expect(waits).toEqual([1, 2]);
    const revokedIds = events.filter((event) => event.type === 'credential_revoked').map((event) => event.details.id);
    expect(revokedIds).toEqual([first.id, last.id]);
    fake.clearFaults();
    expect(await issuer.sweep()).toEqual([middle.id]);
    expect(fake.app.tokens().every((token) => token.revoked)).toBe(true);
  });

  it('a revoke(id) that fails every attempt throws and the credential stays valid; a later one succeeds', async () => {
    clock = Date.now();
    fake = await startGitHubFake({ now: () => clock });
    const { sleep, waits } = recordingSleep();
    const issuer = createAppTokenIssuerOnFake(fake, { now: () => clock, repositories: ['sandbox'], sleep, retries: 0 });
    const credential = await issuer.issue(['contents:read'], '10m');
    fake.injectFault({ kind: 'status', status: 503, token: credential.token, times: 3 });
    await expect(issuer.revoke(credential.id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(waits).toEqual([1, 2]);
    expect(await issuer.isValid(credential.id)).toBe(true);
    await issuer.revoke(credential.id);
    expect(await issuer.isValid(credential.id)).toBe(false);
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
  });
});
