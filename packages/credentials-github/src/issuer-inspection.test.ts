import { inspect } from 'node:util';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake, createJITIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker reads logs and serialised objects (a host logging its wiring, an error reporter
// serialising what it holds). What must hold: the Actions token, the app's private key and every
// minted token stay out of every string form of the issuers and of the credentials they return.

let fake: GitHubFake;

beforeAll(async () => {
  fake = await startGitHubFake({ installation: { repositories: ['sandbox'] } });
});

afterAll(async () => {
  await fake.close();
});

function forms(value: unknown): string[] {
  const all = [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    JSON.stringify(value),
    String(value),
  ];
  try {
    all.push(inspect(structuredClone(value), { depth: Number.POSITIVE_INFINITY, showHidden: true }));
  } catch (error) {
    all.push(String(error));
  }
  return all;
}

describe('issuers and credentials under inspection', () => {
  it('the JIT issuer and its credentials show [redacted], never the Actions token or a credential token', async () => {
    const issuer = createJITIssuerOnFake(fake);
    const credential = await issuer.issue(['deploy'], '5m');
    for (const form of [...forms(issuer), ...forms(credential), ...forms({ ...credential }), ...forms([credential])]) {
      expect(form).not.toContain(fake.userToken);
      expect(form).not.toContain(credential.token);
    }
    expect(JSON.stringify(credential)).toContain('[redacted]');
    expect(Object.keys(credential)).not.toContain('token');
    expect(credential.token).toMatch(/^wjit_/);
    expect(fake.secretValue({ owner: fake.owner, repo: 'sandbox' }, credential.id)).toBe(credential.token);
  });

  it('the App token issuer and its credentials never show the private key or an installation token', async () => {
    const issuer = createAppTokenIssuerOnFake(fake, { repositories: ['sandbox'] });
    const credential = await issuer.issue(['contents:read'], '5m');
    const keyLine = fake.app.privateKeyPem.split('\n')[5] as string;
    for (const form of [...forms(issuer), ...forms(credential), ...forms({ ...credential })]) {
      expect(form).not.toContain(keyLine);
      expect(form).not.toContain(credential.token);
    }
    expect(credential.token).toBe(fake.app.tokens()[0]?.token);
  });

  // The same reader, and a caller that swaps arguments: a live token handed to issue() where a
  // scope entry or the TTL belongs. The scope parser quoted the entry, and the TTL parser the TTL.
  it('issue(scope, ttl) with a token given as a scope entry or as the TTL throws INVALID_INPUT without repeating it', async () => {
    const issuer = createAppTokenIssuerOnFake(fake, { repositories: ['sandbox'] });
    const jitIssuer = createJITIssuerOnFake(fake);
    const { token } = await issuer.issue(['contents:read'], '5m');
    const { token: jitToken } = await jitIssuer.issue(['deploy'], '5m');
    const classicToken = `ghp_${'A1b2C3d4E5'.repeat(4)}`.slice(0, 40);
    const calls = [
      () => issuer.issue([classicToken], '5m'),
      () => issuer.issue(['contents:read', `x-access-token:${classicToken}`], '5m'),
      () => issuer.issue([jitToken], '5m'),
      () => issuer.issue(['contents:read'], token),
      () => jitIssuer.issue(['deploy'], jitToken),
    ];
    for (const call of calls) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'INVALID_INPUT' });
      for (const form of forms(error)) {
        for (const secret of [token, jitToken, classicToken]) expect(form).not.toContain(secret);
      }
    }
  });
});
