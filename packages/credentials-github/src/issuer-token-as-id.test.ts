import { inspect } from 'node:util';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

let fake: GitHubFake;

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

/** Everything a log shows of an error. */
const shown = (error: unknown) => `${inspect(error, { depth: 10 })}${JSON.stringify(error)}${String(error)}`;

/** The forms a token takes when a caller passes it, not quite bare, where its id belongs. */
const wrapped = (token: string) => [`"${token}"`, `token=${token}`, `Bearer:${token}`];

// The attacker reads logs: a caller's mistake (a token where its id belongs, as a header or a
// config line holds it) must not put the token into an error message.
describe('revoke(token) given a token wrapped in other characters', () => {
  it('Actions secrets: INVALID_INPUT, the token not repeated, the credential still valid', async () => {
    const issuer = createJITIssuerOnFake(fake);
    const credential = await issuer.issue(['a'], '10m');
    for (const id of wrapped(credential.token)) {
      const error = await issuer.revoke(id).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      expect(shown(error)).not.toContain(credential.token.slice(5));
    }
    expect(await issuer.isValid(credential.id)).toBe(true);
  });

  it('App tokens (their first 200 characters, as an id holds at most 256): INVALID_INPUT, not repeated', async () => {
    const issuer = createAppTokenIssuerOnFake(fake);
    const credential = await issuer.issue(['contents:read', 'repository:sandbox'], '10m');
    const part = credential.token.slice(0, 200);
    for (const id of wrapped(part)) {
      const error = await issuer.revoke(id).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      expect(shown(error)).not.toContain(part.slice(4));
      expect(await issuer.isValid(id)).toBe(false);
    }
    expect(await issuer.isValid(credential.id)).toBe(true);
  });
});
