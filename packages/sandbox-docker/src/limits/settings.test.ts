import { describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_IMAGE, resolveDockerSandboxSettings } from './settings.js';

describe('resolveDockerSandboxSettings(config)', () => {
  it('fills every default: busybox image, nobody, /tmp, a per-process default owner, runc, 64 MiB /tmp, nofile 1024, fast exec, sweep on start', () => {
    const settings = resolveDockerSandboxSettings();
    expect(settings).toMatchObject({
      image: DEFAULT_SANDBOX_IMAGE,
      user: '65534:65534',
      uid: 65534,
      gid: 65534,
      workdir: '/tmp',
      ownerId: expect.stringMatching(/^default-.+-\d+-[0-9a-f]{8}$/),
      runtime: 'runc',
      tmpSizeMb: 64,
      nofile: 1024,
      poolSize: 0,
      fastExec: true,
      fullNetwork: 'bridge',
      sweepOnStart: true,
    });
    expect(settings.egressProxy).toBeUndefined();
  });

  it.each([
    ['user root (0:0)', { user: '0:0' }, 'user'],
    ['the root group with another uid (65534:0)', { user: '65534:0' }, 'user'],
    ['the root group spelled 00 (65534:00)', { user: '65534:00' }, 'user'],
    ['the root group by name (65534:root)', { user: '65534:root' }, 'user'],
    ['root by name with a non-root group (root:65534)', { user: 'root:65534' }, 'user'],
    ['a user name instead of uid:gid', { user: 'nobody' }, 'user'],
    ['a uid that is root modulo 2^32 (4294967296:65534)', { user: '4294967296:65534' }, 'user'],
    ['a gid that is root modulo 2^32 (65534:4294967296)', { user: '65534:4294967296' }, 'user'],
    ['a uid past what runc and start-stop-daemon take (2147483648:65534)', { user: '2147483648:65534' }, 'user'],
    ['a relative workdir', { workdir: 'tmp' }, 'workdir'],
    ['an owner id with a space', { ownerId: 'a b' }, 'ownerId'],
    ['the host network for full', { fullNetwork: 'host' }, 'fullNetwork'],
    [
      'an egress proxy on the host network',
      { egressProxy: { network: 'host', url: 'http://proxy:3128' } },
      'egressProxy.network',
    ],
    [
      'an egress proxy with a non-http URL',
      { egressProxy: { network: 'egress', url: 'file:///etc/passwd' } },
      'egressProxy.url',
    ],
    ['a pool of 1000', { pool: { size: 1000 } }, 'pool.size'],
    ['an unknown key', { shell: true }, ''],
  ])('throws INVALID_INPUT naming the field for %s', (_label, config, field) => {
    const attempt = () => resolveDockerSandboxSettings(config as never);
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    if (field) expect(attempt).toThrow(new RegExp(field.replace('.', '\\.')));
  });

  it.each(['privileged', 'pidMode', 'ipcMode', 'networkMode', 'devices', 'capAdd', 'binds', 'hostConfig'])(
    'refuses %s with INVALID_INPUT that says it is never allowed',
    (key) => {
      expect(() => resolveDockerSandboxSettings({ [key]: true } as never)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path: key })] }),
      );
    },
  );

  it('refuses labels under the reserved dev.warden. prefix', () => {
    expect(() => resolveDockerSandboxSettings({ labels: { 'dev.warden.owner': 'someone-else' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
