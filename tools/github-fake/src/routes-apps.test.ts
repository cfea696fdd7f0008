import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from './github-fake.js';
import { callFake, signAppJwt } from './test-support/http.js';

let fake: GitHubFake;

beforeEach(async () => {
  fake = await startGitHubFake({
    installation: { permissions: { contents: 'read', issues: 'write', metadata: 'read' }, repositories: ['sandbox'] },
  });
});

afterEach(async () => {
  await fake.close();
});

function mint(body: unknown, jwt = signAppJwt(fake)) {
  return callFake(fake, 'POST', `/app/installations/${fake.app.installationId}/access_tokens`, {
    token: jwt,
    scheme: 'bearer',
    body,
  });
}

describe('installation access tokens', () => {
  it('mints a token narrowed to the requested repositories and permissions (plus the metadata:read GitHub always adds), 520 characters long', async () => {
    const response = await mint({ repositories: ['sandbox'], permissions: { contents: 'read' } });
    expect(response.status).toBe(201);
    const body = response.body as { token: string; expires_at: string; permissions: Record<string, string> };
    expect(body.permissions).toEqual({ contents: 'read', metadata: 'read' });
    expect(body.token.length).toBe(520);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(fake.app.tokens()[0]).toMatchObject({ repositories: ['sandbox'], revoked: false });
  });

  it('lists the repositories of a narrowed token (repository_selection selected), and none for a token on every repository', async () => {
    const narrowed = (await mint({ repositories: ['sandbox'] })).body as Record<string, unknown>;
    expect(narrowed.repository_selection).toBe('selected');
    expect(narrowed.repositories).toEqual([
      expect.objectContaining({ name: 'sandbox', full_name: 'octo-org/sandbox' }),
    ]);
    const everything = (await mint({})).body as Record<string, unknown>;
    expect(everything.repository_selection).toBe('all');
    expect(everything.repositories).toBeUndefined();
  });

  it('app.grantMoreThanAsked(overGrant) makes the next token request get extra repositories and permissions, once', async () => {
    fake.app.grantMoreThanAsked({ repositories: ['tools'], permissions: { issues: 'write' } });
    const over = (await mint({ repositories: ['sandbox'], permissions: { contents: 'read' } })).body as {
      permissions: Record<string, string>;
      repositories: Array<{ name: string }>;
    };
    expect(over.repositories.map((repository) => repository.name)).toEqual(['sandbox', 'tools']);
    expect(over.permissions).toEqual({ contents: 'read', issues: 'write', metadata: 'read' });
    expect(fake.app.tokens()[0]).toMatchObject({ repositories: ['sandbox', 'tools'] });
    const next = (await mint({ repositories: ['sandbox'], permissions: { contents: 'read' } })).body as {
      repositories: Array<{ name: string }>;
    };
    expect(next.repositories.map((repository) => repository.name)).toEqual(['sandbox']);
  });

  it("app.grantMoreThanAsked({ repositories: 'all' }) answers repository_selection all", async () => {
    fake.app.grantMoreThanAsked({ repositories: 'all' });
    const over = (await mint({ repositories: ['sandbox'] })).body as Record<string, unknown>;
    expect(over.repository_selection).toBe('all');
  });

  it('refuses permissions the installation lacks, or a higher level, with 422', async () => {
    expect((await mint({ permissions: { administration: 'write' } })).status).toBe(422);
    expect((await mint({ permissions: { contents: 'write' } })).status).toBe(422);
    expect(fake.app.tokens()).toEqual([]);
  });

  it('refuses a repository outside the installation with 422 and an unknown installation with 404', async () => {
    expect((await mint({ repositories: ['tools'] })).status).toBe(422);
    const unknown = await callFake(fake, 'POST', '/app/installations/1/access_tokens', {
      token: signAppJwt(fake),
      scheme: 'bearer',
      body: {},
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses a JWT signed by another key, an expired JWT and a user token with 401', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs1',
      format: 'pem',
    });
    const forged = signAppJwt({ ...fake, app: { ...fake.app, privateKeyPem: other.toString() } });
    expect((await mint({}, forged)).status).toBe(401);
    expect((await mint({}, signAppJwt(fake, { exp: Math.floor(Date.now() / 1000) - 10 }))).status).toBe(401);
    expect(
      (await callFake(fake, 'POST', `/app/installations/${fake.app.installationId}/access_tokens`, { body: {} }))
        .status,
    ).toBe(401);
  });

  it('DELETE /installation/token revokes the token it is called with; it stops working (401)', async () => {
    const token = ((await mint({ permissions: { issues: 'write' } })).body as { token: string }).token;
    expect((await callFake(fake, 'DELETE', '/installation/token', { token })).status).toBe(204);
    expect(fake.app.tokens()[0]?.revoked).toBe(true);
    expect((await callFake(fake, 'DELETE', '/installation/token', { token })).status).toBe(401);
  });
});
