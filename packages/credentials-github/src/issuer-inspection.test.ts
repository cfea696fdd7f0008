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
});
