import sodium from 'libsodium-wrappers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from './github-fake.js';
import { callFake, signAppJwt } from './test-support/http.js';

let fake: GitHubFake;
const repoPath = '/repos/octo-org/sandbox/actions/secrets';
const environmentPath = '/repos/octo-org/sandbox/environments/ci/secrets';

beforeEach(async () => {
  fake = await startGitHubFake();
  await sodium.ready;
});

afterEach(async () => {
  await fake.close();
});

async function seal(basePath: string, plaintext: string): Promise<{ encrypted_value: string; key_id: string }> {
  const key = (await callFake(fake, 'GET', `${basePath}/public-key`)).body as { key: string; key_id: string };
  const sealed = sodium.crypto_box_seal(plaintext, sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL));
  return { encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: key.key_id };
}

describe('repository Actions secrets', () => {
  it('PUT a sealed value: 201 when new, 204 when updated, and the fake decrypts the plaintext', async () => {
    const created = await callFake(fake, 'PUT', `${repoPath}/WARDEN_A`, { body: await seal(repoPath, 'first') });
    expect(created.status).toBe(201);
    const updated = await callFake(fake, 'PUT', `${repoPath}/WARDEN_A`, { body: await seal(repoPath, 'second') });
    expect(updated.status).toBe(204);
    expect(fake.secretValue({ owner: 'octo-org', repo: 'sandbox' }, 'WARDEN_A')).toBe('second');
  });

  it('names are case-insensitive and reported upper-case, as GitHub does', async () => {
    await callFake(fake, 'PUT', `${repoPath}/warden_lower`, { body: await seal(repoPath, 'v') });
    const got = await callFake(fake, 'GET', `${repoPath}/Warden_Lower`);
    expect((got.body as { name: string }).name).toBe('WARDEN_LOWER');
    const listed = await callFake(fake, 'GET', repoPath);
    expect(listed.body).toMatchObject({ total_count: 1, secrets: [{ name: 'WARDEN_LOWER' }] });
  });

  it('a secret exists until deleted: DELETE answers 204, then GET and DELETE answer 404', async () => {
    await callFake(fake, 'PUT', `${repoPath}/WARDEN_B`, { body: await seal(repoPath, 'v') });
    expect((await callFake(fake, 'DELETE', `${repoPath}/WARDEN_B`)).status).toBe(204);
    expect((await callFake(fake, 'GET', `${repoPath}/WARDEN_B`)).status).toBe(404);
    expect((await callFake(fake, 'DELETE', `${repoPath}/WARDEN_B`)).status).toBe(404);
  });

  it('refuses names GitHub refuses (dash, leading digit, GITHUB_ prefix) with 422', async () => {
    for (const name of ['warden-jit', '1TOKEN', 'GITHUB_TOKEN']) {
      const response = await callFake(fake, 'PUT', `${repoPath}/${name}`, { body: await seal(repoPath, 'v') });
      expect(response.status).toBe(422);
    }
    expect(fake.secretNames({ owner: 'octo-org', repo: 'sandbox' })).toEqual([]);
  });

  it('refuses a stale key_id and a value that is not a sealed box for the key (422)', async () => {
    const sealed = await seal(repoPath, 'v');
    const staleKey = await callFake(fake, 'PUT', `${repoPath}/WARDEN_C`, { body: { ...sealed, key_id: '1' } });
    expect(staleKey.status).toBe(422);
    const notSealed = await callFake(fake, 'PUT', `${repoPath}/WARDEN_C`, {
      body: { encrypted_value: Buffer.from('plain hash, not encryption').toString('base64'), key_id: sealed.key_id },
    });
    expect(notSealed.status).toBe(422);
  });

  it('accepts an installation token with secrets permission and refuses an app JWT (401)', async () => {
    const jwt = signAppJwt(fake);
    const minted = await callFake(fake, 'POST', `/app/installations/${fake.app.installationId}/access_tokens`, {
      token: jwt,
      scheme: 'bearer',
      body: { permissions: { secrets: 'write' } },
    });
    const token = (minted.body as { token: string }).token;
    expect((await callFake(fake, 'GET', repoPath, { token })).status).toBe(200);
    expect((await callFake(fake, 'GET', repoPath, { token: jwt, scheme: 'bearer' })).status).toBe(403);
  });
});

describe('environment Actions secrets', () => {
  it('have their own key and their own secrets', async () => {
    const repoKey = (await callFake(fake, 'GET', `${repoPath}/public-key`)).body as { key_id: string };
    const environmentKey = (await callFake(fake, 'GET', `${environmentPath}/public-key`)).body as { key_id: string };
    expect(environmentKey.key_id).not.toBe(repoKey.key_id);
    await callFake(fake, 'PUT', `${environmentPath}/WARDEN_ENV`, { body: await seal(environmentPath, 'env-value') });
    expect(fake.secretValue({ owner: 'octo-org', repo: 'sandbox', environment: 'ci' }, 'WARDEN_ENV')).toBe('env-value');
    expect(fake.secretNames({ owner: 'octo-org', repo: 'sandbox' })).toEqual([]);
  });

  it('answer 404 for an environment that does not exist', async () => {
    const response = await callFake(fake, 'GET', '/repos/octo-org/sandbox/environments/prod/secrets/public-key');
    expect(response.status).toBe(404);
  });
});
