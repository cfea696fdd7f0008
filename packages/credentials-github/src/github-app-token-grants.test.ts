import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { type GitHubFake, startGitHubFake } from '@warden/github-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppTokenIssuerOnFake } from './test-support/issuers-on-fake.js';

// The attacker here is GitHub itself (or an installation misconfigured upstream) granting a token
// more than was asked. What must hold: such a token never reaches the caller; it is revoked, and
// when revoking fails it stays tracked so that sweep() revokes it later.

let fake: GitHubFake;
let clock: number;
let events: SecurityEvent[];

beforeEach(async () => {
  clock = Date.now();
  fake = await startGitHubFake({
    now: () => clock,
    installation: { permissions: { contents: 'write', issues: 'write', metadata: 'read' } },
  });
  events = [];
});

afterEach(async () => {
  await fake.close();
});

function createIssuer(overrides: Parameters<typeof createAppTokenIssuerOnFake>[1] = {}) {
  const emitter = createSecurityEventEmitter();
  emitter.on('security', (event) => events.push(event));
  return createAppTokenIssuerOnFake(fake, { now: () => clock, events: emitter, sleep: async () => {}, ...overrides });
}

describe('createGitHubAppTokenIssuer: what GitHub granted is what was asked', () => {
  it('a token with an extra repository is revoked and refused with ACCESS_DENIED naming the repository', async () => {
    fake.app.grantMoreThanAsked({ repositories: ['tools'] });
    const issuer = createIssuer();
    await expect(issuer.issue(['contents:read', 'repository:sandbox'], '10m')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringMatching(/repository:tools.*revoked/),
    });
    expect(fake.app.tokens()).toEqual([expect.objectContaining({ repositories: ['sandbox', 'tools'], revoked: true })]);
    expect(events).toEqual([]);
  });

  it('a token for every repository of the installation (repository_selection all) is revoked and refused', async () => {
    fake.app.grantMoreThanAsked({ repositories: 'all' });
    await expect(createIssuer({ repositories: ['sandbox'] }).issue(['contents:read'], '10m')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining('every repository'),
    });
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
  });

  it('a token with an extra or a higher permission is revoked and refused', async () => {
    fake.app.grantMoreThanAsked({ permissions: { issues: 'write' } });
    fake.app.grantMoreThanAsked({ permissions: { contents: 'write' } });
    const issuer = createIssuer({ repositories: ['sandbox'] });
    await expect(issuer.issue(['contents:read'], '10m')).rejects.toMatchObject({ message: /issues:write/ });
    await expect(issuer.issue(['contents:read'], '10m')).rejects.toMatchObject({ message: /contents:write/ });
    expect(fake.app.tokens().map((token) => token.revoked)).toEqual([true, true]);
  });

  it('when revoking the over-granted token fails, the error says so and sweep() revokes it later', async () => {
    fake.app.grantMoreThanAsked({ repositories: ['tools'] });
    fake.injectFault({ kind: 'status', status: 503, operationId: 'apps/revoke-installation-access-token', times: 3 });
    const issuer = createIssuer({ retries: 0 });
    const error = (await issuer
      .issue(['contents:read', 'repository:sandbox'], '10m')
      .catch((caught) => caught)) as Error;
    expect(error).toMatchObject({ code: 'ACCESS_DENIED', message: /revoking that token failed.*sweep\(\)/ });
    const [minted] = fake.app.tokens();
    expect(minted?.revoked).toBe(false);
    expect(`${error.message}${JSON.stringify(error)}`).not.toContain(minted?.token);
    const id = /(ghapp_[0-9a-f-]+)/.exec(error.message)?.[1] as string;
    expect(await issuer.isValid(id)).toBe(false);
    expect(await issuer.sweep()).toEqual([id]);
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
  });
});
