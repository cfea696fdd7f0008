import { Octokit } from '@octokit/rest';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker here is a hostile GitHub API (or whatever answers in its place): the token it
// mints is real, but the answer around it has the wrong types. What must hold: a typed error,
// the token never reaches the caller, and it is revoked rather than left live and untracked.

let fake: GitHubFake;

beforeEach(async () => {
  fake = await startGitHubFake({
    installation: { permissions: { contents: 'write', metadata: 'read' }, repositories: ['sandbox'] },
  });
});

afterEach(async () => {
  await fake.close();
});

/** An Octokit on the fake whose token-minting answers are rewritten by `corrupt`. */
function hostileOctokit(corrupt: (answer: Record<string, unknown>) => void): Octokit {
  const octokit = new Octokit({ baseUrl: fake.url });
  octokit.hook.after('request', (response, options) => {
    if (String(options.url).endsWith('/access_tokens')) corrupt(response.data as Record<string, unknown>);
  });
  return octokit;
}

const MALFORMED: ReadonlyArray<[string, (answer: Record<string, unknown>) => void]> = [
  ['an expires_at that is no time', (answer) => (answer.expires_at = 'soon')],
  ['repositories that are not a list', (answer) => (answer.repositories = { name: 'sandbox' })],
  ['repositories without names', (answer) => (answer.repositories = [{}])],
];

describe('createGitHubAppTokenIssuer: a malformed token answer', () => {
  for (const [what, corrupt] of MALFORMED) {
    it(`issue() given ${what}: BACKEND_UNAVAILABLE, the minted token revoked on GitHub`, async () => {
      const issuer = createAppTokenIssuerOnFake(fake, { octokit: hostileOctokit(corrupt), repositories: ['sandbox'] });
      const error = (await issuer.issue(['contents:read'], '5m').catch((caught: unknown) => caught)) as Error;
      expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      const [minted] = fake.app.tokens();
      expect(minted?.revoked).toBe(true);
      expect(`${error.message}${JSON.stringify(error)}`).not.toContain(minted?.token);
    });
  }

  it('issue() given an answer without a token: BACKEND_UNAVAILABLE, never a credential whose token is undefined', async () => {
    const issuer = createAppTokenIssuerOnFake(fake, {
      octokit: hostileOctokit((answer) => delete answer.token),
      repositories: ['sandbox'],
    });
    await expect(issuer.issue(['contents:read'], '5m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

describe('createGitHubAppTokenIssuer: a hostile answer that grants more than asked', () => {
  // The same hostile API, now reaching whoever reads the error: the names of what it granted
  // beyond the request went into the message verbatim, so it could echo the token it minted
  // there (live, if revoking it failed) or forge log lines with a newline.
  it('issue() names what was extra without echoing the token or a forged line; the token is revoked', async () => {
    const issuer = createAppTokenIssuerOnFake(fake, {
      octokit: hostileOctokit((answer) => {
        answer.repositories = [{ name: 'sandbox' }, { name: String(answer.token) }, { name: 'x\n[info] all good' }];
        answer.permissions = { contents: 'read', [`${String(answer.token)}`]: 'write', 'a\nb': 'admin' };
      }),
      repositories: ['sandbox'],
    });
    const error = (await issuer.issue(['contents:read'], '5m').catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'ACCESS_DENIED' });
    const [minted] = fake.app.tokens();
    expect(minted?.revoked).toBe(true);
    const shown = `${error.message}${JSON.stringify(error)}`;
    expect(shown).not.toContain(minted?.token);
    expect(error.message).not.toMatch(/[\n\r]/);
  });

  // The same hostile API, granting levels named like Object.prototype's members: the rank table
  // read them as inherited functions, which compare as NaN, so no such grant counted as beyond
  // the request (a grant the issuer cannot verify must).
  it.each(['constructor', '__proto__', 'toString'])(
    'issue() given a permission at level "%s": ACCESS_DENIED, the token revoked',
    async (level) => {
      const issuer = createAppTokenIssuerOnFake(fake, {
        octokit: hostileOctokit((answer) => {
          answer.permissions = { contents: 'read', administration: level };
        }),
        repositories: ['sandbox'],
      });
      await expect(issuer.issue(['contents:read'], '5m')).rejects.toMatchObject({
        code: 'ACCESS_DENIED',
        message: /a permission not described/,
      });
      expect(fake.app.tokens()[0]?.revoked).toBe(true);
    },
  );

  // The same hostile API, with a malformed answer: the fields it names came from the answer's
  // own keys, so a permission whose level is no string put its name in the message verbatim,
  // which could be the app JWT it was sent (good for minting more tokens), the token, or a
  // forged log line.
  it('issue() given a malformed permission names no key of the answer: no JWT, token or forged line', async () => {
    let jwt = '';
    const octokit = new Octokit({ baseUrl: fake.url });
    octokit.hook.after('request', (response, options) => {
      if (!String(options.url).endsWith('/access_tokens')) return;
      jwt = String(options.headers.authorization).replace(/^bearer /i, '');
      const answer = response.data as Record<string, unknown>;
      answer.permissions = { [jwt]: 1, [String(answer.token)]: 2, 'x\n2026-01-01 INFO all good': 3 };
    });
    const issuer = createAppTokenIssuerOnFake(fake, { octokit, repositories: ['sandbox'] });
    const error = (await issuer.issue(['contents:read'], '5m').catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: /malformed \(permissions\)/ });
    const [minted] = fake.app.tokens();
    expect(minted?.revoked).toBe(true);
    const shown = `${error.message}${JSON.stringify(error)}`;
    expect(jwt).not.toBe('');
    expect(shown).not.toContain(jwt);
    expect(shown).not.toContain(minted?.token);
    expect(error.message).not.toMatch(/[\n\r]/);
  });
});
