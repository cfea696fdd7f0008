import { Octokit } from '@octokit/rest';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker here is a hostile GitHub API (or whatever answers in its place) whose answers
// have the wrong shape: a public key that is no Curve25519 public key. What must hold: a typed
// error, nothing stored, and the bad key not kept for the next call.

let fake: GitHubFake;
const repository = () => ({ owner: fake.owner, repo: 'sandbox' });

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

/** An Octokit on the fake whose answers to requests ending in `urlEnd` are rewritten by `corrupt`. */
function hostileOctokit(urlEnd: string, corrupt: (answer: Record<string, unknown>) => void): Octokit {
  const octokit = new Octokit({ baseUrl: fake.url, auth: fake.userToken });
  octokit.hook.after('request', (response, options) => {
    if (String(options.url).endsWith(urlEnd)) corrupt(response.data as Record<string, unknown>);
  });
  return octokit;
}

describe('GitHub JIT issuer: malformed answers', () => {
  for (const [what, key] of [
    ['a key of 3 bytes', 'AAAA'],
    ['a key that is not base64', '!!not base64!!'],
    ['an all-zero key', Buffer.alloc(32).toString('base64')],
  ] as const) {
    it(`issue() given a public key that is ${what}: BACKEND_UNAVAILABLE and nothing stored`, async () => {
      const octokit = hostileOctokit('/secrets/public-key', (answer) => (answer.key = key));
      const issuer = createJITIssuerOnFake(fake, { token: undefined, octokit });
      await expect(issuer.issue(['deploy'], '15m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(fake.secretNames(repository())).toEqual([]);
    });
  }

  it('a bad public key is not kept: the next issue() fetches the key again and succeeds', async () => {
    let corruptions = 1;
    const octokit = hostileOctokit('/secrets/public-key', (answer) => {
      if (corruptions-- > 0) answer.key = 'AAAA';
    });
    const issuer = createJITIssuerOnFake(fake, { token: undefined, octokit });
    await expect(issuer.issue(['deploy'], '15m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    const credential = await issuer.issue(['deploy'], '15m');
    expect(fake.secretValue(repository(), credential.id)).toBe(credential.token);
  });

  it('sweep() given a page of 200,000 secret names (a hostile or broken API) still sweeps, without a stack overflow', async () => {
    const octokit = new Octokit({ baseUrl: fake.url, auth: fake.userToken });
    octokit.hook.after('request', (response, options) => {
      if (/\/actions\/secrets(\?|$)/.test(String(options.url))) {
        const data = response.data as { total_count: number; secrets: { name: string }[] };
        data.secrets = Array.from({ length: 200_000 }, (_, index) => ({ name: `OTHER_${index}` }));
        data.total_count = data.secrets.length;
      }
    });
    const issuer = createJITIssuerOnFake(fake, { token: undefined, octokit });
    await expect(issuer.sweep()).resolves.toEqual([]);
  });

  // A GitHub that answers every page with the same full page (or ignores `page`) and claims a
  // huge total: the sweep read 1,000 pages and sent a DELETE for each copy of every expired name,
  // one a second (minWriteIntervalMs) for over a day.
  it('sweep() given a GitHub that repeats one full page deletes each expired secret once and stops listing', async () => {
    const expired = 'WARDEN_JIT_1700000000_0123456789ABCDEF0123';
    const octokit = new Octokit({ baseUrl: fake.url, auth: fake.userToken });
    octokit.hook.after('request', (response, options) => {
      if (/\/actions\/secrets(\?|$)/.test(String(options.url))) {
        const data = response.data as { total_count: number; secrets: { name: string }[] };
        const others = Array.from({ length: 99 }, (_, index) => ({ name: `OTHER_${index}` }));
        data.secrets = [{ name: expired }, ...others].map((secret) => ({ ...secret, created_at: '', updated_at: '' }));
        data.total_count = 1_000_000;
      }
    });
    const issuer = createJITIssuerOnFake(fake, { token: undefined, octokit });
    await expect(issuer.sweep()).resolves.toEqual([]);
    expect(fake.requestsTo('actions/delete-repo-secret')).toHaveLength(1);
    expect(fake.requestsTo('actions/list-repo-secrets').length).toBeLessThanOrEqual(2);
  }, 120_000);

  // A GitHub that lists secrets without end: memory without bound, page after page.
  it('sweep() given more than 1,000,000 distinct secret names: BACKEND_UNAVAILABLE, nothing deleted', async () => {
    const octokit = new Octokit({ baseUrl: fake.url, auth: fake.userToken });
    octokit.hook.after('request', (response, options) => {
      if (/\/actions\/secrets(\?|$)/.test(String(options.url))) {
        const data = response.data as { total_count: number; secrets: { name: string }[] };
        data.secrets = Array.from({ length: 1_000_001 }, (_, index) => ({ name: `OTHER_${index}` }));
        data.total_count = data.secrets.length;
      }
    });
    const issuer = createJITIssuerOnFake(fake, { token: undefined, octokit, revokeAttempts: 1 });
    await expect(issuer.sweep()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fake.requestsTo('actions/delete-repo-secret')).toHaveLength(0);
  }, 120_000);
});
