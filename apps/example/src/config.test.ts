import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackends, loadHostConfig, parseHostConfig } from './config.js';
import { DEFAULT_HOST_POLICY } from './default-policy.js';
import { createPeerKeys } from './host-client.js';
import { sha256Hex } from './source-identification.js';

describe('parseHostConfig(input)', () => {
  it('fills every default: loopback, the embedded policy, stubs and memory stores', () => {
    const config = parseHostConfig({});
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8787, bodyLimitBytes: 65_536 });
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

  it('reads the file named by WARDEN_EXAMPLE_CONFIG; the environment fills only what it leaves out', () => {
    const peer = createPeerKeys();
    const path = writeConfig(
      JSON.stringify({
        server: { port: 9000 },
        peers: [{ publicKey: peer.publicKey, trustLevel: 'trusted' }],
        killSwitch: { backend: 'stub' },
      }),
    );
    const config = loadHostConfig({
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

  it('adds the operator of WARDEN_OPERATOR_TOKEN, keeping only its digest', () => {
    const config = loadHostConfig({ env: { WARDEN_OPERATOR_TOKEN: 'secret-token', WARDEN_OPERATOR_NAME: 'ops' } });
    expect(config.operators).toEqual([{ name: 'ops', tokenSha256: sha256Hex('secret-token') }]);
    expect(JSON.stringify(config)).not.toContain('secret-token');
  });

  it('refuses a missing file, a file that is not JSON and a port that is not a number', () => {
    expect(() => loadHostConfig({ path: '/nonexistent/host.json', env: {} })).toThrow(
      /Cannot read the configuration file .*ENOENT/,
    );
    expect(() => loadHostConfig({ path: writeConfig('{ nope'), env: {} })).toThrow(/not valid JSON/);
    expect(() => loadHostConfig({ path: writeConfig('[]'), env: {} })).toThrow(/JSON object/);
    expect(() => loadHostConfig({ env: { WARDEN_PORT: 'eighty' } })).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'server.port' })] }),
    );
  });
});
