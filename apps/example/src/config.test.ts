import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemorySecretStore } from '@warden/stubs';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackends, loadHostConfig, parseHostConfig } from './config.js';
import { DEFAULT_HOST_POLICY } from './default-policy.js';
import { createPeerKeys } from './host-client.js';
import { sha256Hex } from './source-identification.js';

describe('parseHostConfig(input)', () => {
  it('fills every default: loopback, the embedded policy, stubs and memory stores', () => {
    const config = parseHostConfig({});
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8787, bodyLimitBytes: 65_536, consoleAllowedHosts: [] });
    expect(config.security).toBe(DEFAULT_HOST_POLICY);
    expect(config.operators).toEqual([]);
    expect(chooseBackends(config)).toEqual({
      sandbox: 'stub',
      killSwitch: 'stub',
      approvals: 'memory',
      rateLimiter: 'memory',
    });
  });

  it('names every invalid field, including those of the security policy', () => {
    const attempt = () =>
      parseHostConfig({
        server: { port: 70_000 },
        peers: [{ publicKey: 'bm90IGEga2V5', trustLevel: 'trusted' }],
        apiKeys: [{ id: 'bot', keySha256: sha256Hex('k'), trustLevel: 'owner' }],
        security: { sessions: { main: { access: ['trust:god'] } } },
        killSwitch: { backend: 'redis' },
        surprise: true,
      });
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const paths = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as { issues: { path: string }[] }).issues.map((issue) => issue.path);
      }
      return [];
    })();
    expect(paths).toEqual(
      expect.arrayContaining([
        'server.port',
        'peers.0.publicKey',
        'apiKeys.0.trustLevel',
        'security.sessions.main.access.0',
        '',
      ]),
    );
  });

  it('refuses a peer key written other than as exported (it could never match a signed request)', () => {
    const { publicKey } = createPeerKeys();
    expect(parseHostConfig({ peers: [{ publicKey, trustLevel: 'trusted' }] }).peers).toHaveLength(1);
    expect(() => parseHostConfig({ peers: [{ publicKey: `${publicKey}x`, trustLevel: 'trusted' }] })).toThrow(
      /peers\.0\.publicKey/,
    );
  });

  it('refuses a redis backend without an address, naming the field', () => {
    expect(() => parseHostConfig({ approvals: { backend: 'redis' } })).toThrow(/approvals\.url/);
  });
});

describe('loadHostConfig({ path, env })', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  const writeConfig = (content: string): string => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-example-config-'));
    directories.push(directory);
    const path = join(directory, 'host.json');
    writeFileSync(path, content);
    return path;
  };

  it('refuses a file that repeats a key, naming it: JSON.parse keeps the last, a reviewer reads the first', async () => {
    const path = writeConfig('{"killSwitch": {"backend": "redis"}, "killSwitch": {"backend": "stub"}}');
    await expect(loadHostConfig({ env: { WARDEN_EXAMPLE_CONFIG: path } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: '/killSwitch', message: 'repeated key' }],
    });
  });

  it('reads the file named by WARDEN_EXAMPLE_CONFIG; the environment fills only what it leaves out', async () => {
    const peer = createPeerKeys();
    const path = writeConfig(
      JSON.stringify({
        server: { port: 9000 },
        peers: [{ publicKey: peer.publicKey, trustLevel: 'trusted' }],
        killSwitch: { backend: 'stub' },
      }),
    );
    const config = await loadHostConfig({
      env: {
        WARDEN_EXAMPLE_CONFIG: path,
        WARDEN_PORT: '1234',
        WARDEN_HOST: '0.0.0.0',
        REDIS_URL: 'redis://127.0.0.1:6379',
        DOCKER_HOST: 'unix:///run/docker.sock',
        WARDEN_SANDBOX_TEST_IMAGE: 'warden-sandbox:test',
      },
    });
    expect(config.server).toMatchObject({ port: 9000, host: '0.0.0.0' });
    expect(config.sandbox).toMatchObject({ dockerHost: 'unix:///run/docker.sock', image: 'warden-sandbox:test' });
    expect(chooseBackends(config)).toEqual({
      sandbox: 'docker',
      killSwitch: 'stub',
      approvals: 'redis',
      rateLimiter: 'redis',
    });
  });

  it('adds the operator of WARDEN_OPERATOR_TOKEN (read through the SecretStore), keeping only its digest', async () => {
    const config = await loadHostConfig({
      env: { WARDEN_OPERATOR_TOKEN: 'secret-token', WARDEN_OPERATOR_NAME: 'ops' },
    });
    expect(config.operators).toEqual([{ name: 'ops', tokenSha256: sha256Hex('secret-token') }]);
    expect(JSON.stringify(config)).not.toContain('secret-token');
  });

  it('accepts the example file of the README, whose policy is the embedded default', async () => {
    const path = fileURLToPath(new URL('../host-config.example.json', import.meta.url));
    const config = await loadHostConfig({ path, env: {} });
    expect(chooseBackends(config)).toEqual({
      sandbox: 'docker',
      killSwitch: 'redis',
      approvals: 'redis',
      rateLimiter: 'redis',
    });
    expect(config.security).toEqual(DEFAULT_HOST_POLICY);
  });

  it('takes the operator token from any SecretStore', async () => {
    const secrets = createMemorySecretStore({ initial: { 'operator-token': 'from-the-vault' } });
    const config = await loadHostConfig({ env: {}, secrets });
    expect(config.operators).toEqual([{ name: 'operator', tokenSha256: sha256Hex('from-the-vault') }]);
  });

  it('refuses a missing file, a file that is not JSON and a port that is not a number', async () => {
    const missing = loadHostConfig({ path: '/nonexistent/host.json', env: {} });
    await expect(missing).rejects.toThrow(/Cannot read the configuration file .*ENOENT/);
    await expect(loadHostConfig({ path: writeConfig('{ nope'), env: {} })).rejects.toThrow(/not valid JSON/);
    await expect(loadHostConfig({ path: writeConfig('[]'), env: {} })).rejects.toThrow(/JSON object/);
    await expect(loadHostConfig({ env: { WARDEN_PORT: 'eighty' } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'server.port' })],
    });
  });
});
