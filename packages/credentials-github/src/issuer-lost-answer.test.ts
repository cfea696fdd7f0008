import { inspect } from 'node:util';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

let fake: GitHubFake;
const MINT = 'apps/create-installation-access-token';
const PUT = 'actions/create-or-update-repo-secret';

beforeEach(async () => {
  fake = await startGitHubFake();
});

afterEach(async () => {
  await fake.close();
});

// The attacker is the network: GitHub acts on the request, and its answer never arrives.
describe('issue() when GitHub acted but its answer was lost', () => {
  for (const answer of ['drop', 502, 500, 503] as const) {
    it(`(${answer}) an installation token request is sent once: one token lost, never a second one`, async () => {
      fake.injectFault({ kind: 'lost-answer', answer, operationId: MINT });
      const error = await createAppTokenIssuerOnFake(fake)
        .issue(['contents:read', 'repository:sandbox'], '10m')
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: /may have minted a token/ });
      expect(fake.requestsTo(MINT)).toHaveLength(1);
      expect(fake.app.tokens()).toHaveLength(1);
      // The lost token is GitHub's alone: nothing of it reaches the error.
      const minted = fake.app.tokens()[0]?.token as string;
      expect(`${inspect(error, { depth: 10 })}${JSON.stringify(error)}`).not.toContain(minted);
    });
  }

  it('a rate limit (answered before GitHub acts) is still waited out and the token minted once', async () => {
    fake.injectFault({ kind: 'rate-limit', limit: 'secondary', retryAfterSeconds: 1, operationId: MINT });
    const credential = await createAppTokenIssuerOnFake(fake).issue(['contents:read', 'repository:sandbox'], '10m');
    expect(fake.requestsTo(MINT).map((request) => request.status)).toEqual([403, 201]);
    expect(fake.app.tokens().map((token) => token.token)).toEqual([credential.token]);
  });

  it('an Actions secret whose answer was lost: issue throws and deletes the secret it stored', async () => {
    fake.injectFault({ kind: 'lost-answer', answer: 502, operationId: PUT, times: 10 });
    const issuer = createJITIssuerOnFake(fake);
    await expect(issuer.issue(['a'], '1m')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(fake.secretNames({ owner: fake.owner, repo: 'sandbox' })).toEqual([]);
  });
});
