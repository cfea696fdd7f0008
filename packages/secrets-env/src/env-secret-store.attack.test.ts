import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecretStore } from '@warden/core';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEnvSecretStore } from './env-secret-store.js';

// The attacker controls the secret names (and values) an application hands to its store: a
// name taken from a request, a config file or a model's output. What must hold: no sequence of
// store calls lets them set or clear a variable a program reads, so a later child `git diff`
// never runs their program.

/** The names the issue found accepted, then more that steer git, shells, loaders and toolchains. */
const DANGEROUS_NAMES = [
  // reported in issue 18
  'git-external-diff',
  'git-pager',
  'git-editor',
  'git-proxy-command',
  'git-dir',
  'gconv-path',
  'lessopen',
  'goflags',
  'pip-index-url',
  'rustc-wrapper',
  'cc',
  'makeflags',
  'perllib',
  'perl5db',
  'browser',
  'ssh-auth-sock',
  'requests-ca-bundle',
  'kubeconfig',
  'zdotdir',
  'node-debug',
  'bun-options',
  'cargo-home',
  // git reads configuration and helpers from these too
  'git-config-count',
  'git-config-key-0',
  'git-config-value-0',
  'git-config-parameters',
  'git-config-global',
  'git-config-system',
  'git-ssh-command',
  'git-ssh',
  'git-askpass',
  'git-exec-path',
  'git-work-tree',
  'git-diff-opts',
  'git-sequence-editor',
  'xdg-config-home',
  'home',
  'pager',
  'editor',
  'visual',
  'less',
  'manpager',
  // shells, loaders, runtimes, toolchains, proxies and TLS trust
  'path',
  'ifs',
  'env',
  'bash-env',
  'prompt-command',
  'ps4',
  'ld-preload',
  'ld-library-path',
  'ld-audit',
  'dyld-insert-libraries',
  'glibc-tunables',
  'node-options',
  'node-path',
  'node-extra-ca-certs',
  'node-tls-reject-unauthorized',
  'node-repl-external-module',
  'npm-config-script-shell',
  'pythonpath',
  'pythonstartup',
  'pythonbreakpoint',
  'perl5opt',
  'perl5lib',
  'rubyopt',
  'rubylib',
  'java-tool-options',
  'jdk-java-options',
  'lua-init',
  'cargo-build-rustc-wrapper',
  'rustup-toolchain',
  'corecler-profiler-path',
  'dotnet-startup-hooks',
  'tar-options',
  'sslkeylogfile',
  'openssl-conf',
  'ssl-cert-file',
  'curl-ca-bundle',
  'https-proxy',
  'all-proxy',
  'docker-host',
  'tmpdir',
];

const allDefined = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));

/**
 * Found after issue 18: each of these makes some program load a shared object, source a script,
 * expand `$(…)` or start another program (gcc's `COMPILER_PATH`, autoconf's `CONFIG_SITE`, bash's
 * `PS0` and `BASH_LOADABLES_PATH`, Qt's and GTK's plugin paths, TeX's `TEXMFCNF`, gettext's
 * catalogs, `KUBE_EDITOR`, `ELECTRON_RUN_AS_NODE`…). None may be written, even when a developer
 * lists it in `writableNames`, nor read as a secret.
 */
const PROGRAM_STEERING_NAMES = [
  'ps0',
  'ps3',
  'fpath',
  'bash-loadables-path',
  'bash-xtracefd',
  'lang',
  'language',
  'lc-all',
  'lc-messages',
  'textdomaindir',
  'compiler-path',
  'gcc-exec-prefix',
  'library-path',
  'cpath',
  'c-include-path',
  'config-site',
  'config-shell',
  'ccache-prefix',
  'distcc-hosts',
  'cgo-cflags',
  'qt-plugin-path',
  'gtk-modules',
  'gtk-path',
  'gst-plugin-path',
  'gio-extra-modules',
  'gdk-pixbuf-module-file',
  'sasl-path',
  'libgl-drivers-path',
  'vk-layer-path',
  'gdal-driver-path',
  'odbcsysini',
  'texmfcnf',
  'texinputs',
  'erl-aflags',
  'erl-libs',
  'ts-node-compiler',
  'julia-load-path',
  'r-libs-user',
  'irbrc',
  'vimruntime',
  'electron-run-as-node',
  'puppeteer-executable-path',
  'playwright-browsers-path',
  'kube-editor',
  'gh-editor',
  'gh-browser',
  'svn-ssh',
  'hgeditor',
  'p4diff',
  'mailcaps',
  'systemd-pager',
  'sudo-askpass',
  'psql-pager',
  'screenrc',
  'cloudsdk-python',
  'tf-cli-config-file',
  'ansible-config',
  'ansible-library',
  'krb5-config',
  'aws-ca-bundle',
  'rbenv-hook-path',
  'pyenv-hook-path',
  'nix-path',
  'wineprefix',
  // Code or a command in the value itself, no file needed (like NODE_OPTIONS): Lua runs
  // LUA_INIT_5_4 as code; the aws, bat and delta CLIs run their *_PAGER as a command.
  'lua-init-5-4',
  'lua-path-5-4',
  'aws-pager',
  'bat-pager',
  'delta-pager',
  'psqlrc',
  'pryrc',
  'helm-plugins',
  // A sanitizer runs the program its options name (`external_symbolizer_path`); .NET and Mono
  // load the profiler or assemblies theirs name.
  'asan-options',
  'ubsan-options',
  'lsan-options',
  'cor-profiler-path',
  'mono-env-options',
  'mono-path',
  'openssl-ia32cap',
  'termcap',
  // Windows: `ComSpec` is the shell Node (`shell: true`), npm and cmd start; `PATHEXT` decides
  // what runs as a program; PowerShell autoloads modules from `PSModulePath`; system programs and
  // DLLs are found under `SystemRoot`/`windir`; and git, ssh, npm and pip read their
  // configuration (which can name programs) from `USERPROFILE`, `HOMEDRIVE`+`HOMEPATH`,
  // `APPDATA`, `LOCALAPPDATA` and `ProgramData`, as `HOME` and `XDG_CONFIG_HOME` elsewhere.
  'comspec',
  'pathext',
  'psmodulepath',
  'systemroot',
  'windir',
  'userprofile',
  'homedrive',
  'homepath',
  'appdata',
  'localappdata',
  'programdata',
];

describe('createEnvSecretStore(config): an attacker choosing secret names', () => {
  it('a name that makes a program load or run another is refused as a writable name, on set, and on get, without a prefix', async () => {
    const env: Record<string, string> = Object.fromEntries(
      PROGRAM_STEERING_NAMES.map((name) => [name.toUpperCase().replaceAll('-', '_'), '/tmp/attacker']),
    );
    const before = { ...env };
    const store = createEnvSecretStore({ writableNames: ['api-key'], env });
    for (const name of PROGRAM_STEERING_NAMES) {
      expect(() => createEnvSecretStore({ writableNames: [name], env }), name).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
      await expect(store.set(name, '/tmp/attacker'), name).rejects.toMatchObject({
        code: expect.stringMatching(/^(ACCESS_DENIED|INVALID_INPUT)$/),
      });
      await expect(store.get(name), name).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(await store.list()).toEqual([]);
    expect(env).toEqual(before);
  });

  it("a prefix inside one of those namespaces is no application's own (LC_, BASH_, QT_, TEXMF…)", () => {
    for (const prefix of ['LC_APP_', 'BASH_APP_', 'QT_APP_', 'TEXMF_', 'SYSTEMD_APP_', 'ERL_APP_']) {
      expect(() => createEnvSecretStore({ prefix, env: {} }), prefix).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
  });

  it('without prefix or writableNames the store is read-only: set and delete of every dangerous name are refused and change nothing', async () => {
    const env: Record<string, string> = { PATH: '/usr/bin', GIT_PAGER: 'cat' };
    const store = createEnvSecretStore({ env });
    // A name no store may hold is INVALID_INPUT (the port's shared rule); any other is ACCESS_DENIED.
    const refused = { code: expect.stringMatching(/^(ACCESS_DENIED|INVALID_INPUT)$/) };
    for (const name of DANGEROUS_NAMES) {
      await expect(store.set(name, '/tmp/attacker'), name).rejects.toMatchObject(refused);
      await expect(store.delete(name), name).rejects.toMatchObject(refused);
    }
    await expect(store.set('api-key', 'harmless-looking')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringMatching(/read-only/),
    });
    expect(env).toEqual({ PATH: '/usr/bin', GIT_PAGER: 'cat' });
  });

  it('with writableNames, set and delete of every dangerous name are refused and change nothing', async () => {
    const env: Record<string, string> = { PATH: '/usr/bin' };
    const store = createEnvSecretStore({ writableNames: ['api-key'], env });
    for (const name of DANGEROUS_NAMES) {
      await expect(store.set(name, '/tmp/attacker'), name).rejects.toMatchObject({
        code: expect.stringMatching(/^(ACCESS_DENIED|INVALID_INPUT)$/),
      });
      await expect(store.delete(name), name).rejects.toBeDefined();
    }
    await store.set('api-key', 'value');
    expect(env).toEqual({ PATH: '/usr/bin', API_KEY: 'value' });
  });

  it('with a prefix, every dangerous name is refused by the shared name rule or lands inside the prefix', async () => {
    const env: Record<string, string> = { PATH: '/usr/bin' };
    const store = createEnvSecretStore({ prefix: 'MYAPP_', env });
    let accepted = 0;
    for (const name of DANGEROUS_NAMES) {
      try {
        await store.set(name, '/tmp/attacker');
        accepted += 1;
      } catch (error) {
        expect(error, name).toMatchObject({ code: 'INVALID_INPUT' });
      }
    }
    const written = Object.keys(env).filter((variable) => variable !== 'PATH');
    expect(written).toHaveLength(accepted);
    expect(accepted).toBeGreaterThan(0);
    for (const variable of written) expect(variable.startsWith('MYAPP_'), variable).toBe(true);
    expect(env.PATH).toBe('/usr/bin');
  });
});

describe('a child git diff after any sequence of store calls', () => {
  let workspace: string;
  let repository: string;
  let marker: string;
  let attackerProgram: string;
  let baseEnv: Record<string, string>;

  const gitDiff = (env: Record<string, string | undefined>) =>
    execFileSync('git', ['diff'], { cwd: repository, env: allDefined(env), stdio: 'pipe', timeout: 30_000 });

  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'warden-secrets-env-'));
    repository = join(workspace, 'repository');
    marker = join(workspace, 'attacker-ran');
    attackerProgram = join(workspace, 'attacker.sh');
    writeFileSync(attackerProgram, `#!/bin/sh\ntouch '${marker}'\n`);
    chmodSync(attackerProgram, 0o755);
    baseEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workspace,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repository, env: baseEnv, stdio: 'pipe' });
    execFileSync('git', ['init', '-q', repository], { env: baseEnv, stdio: 'pipe' });
    writeFileSync(join(repository, 'file.txt'), 'one\n');
    git('add', 'file.txt');
    git('commit', '-q', '-m', 'initial');
    writeFileSync(join(repository, 'file.txt'), 'two\n');
  });

  afterAll(() => {
    rmSync(workspace, { recursive: true, force: true });
  });

  it('the attack is real: GIT_EXTERNAL_DIFF in the environment makes git diff run the program', () => {
    gitDiff({ ...baseEnv, GIT_EXTERNAL_DIFF: attackerProgram });
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
    gitDiff({
      ...baseEnv,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'diff.external',
      GIT_CONFIG_VALUE_0: attackerProgram,
    });
    expect(existsSync(marker)).toBe(true);
    rmSync(marker);
  });

  it('never runs the attacker program (fast-check: set/delete on dangerous and random names, three stores)', async () => {
    const name = fc.oneof(
      fc.constantFrom(...DANGEROUS_NAMES),
      fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,6}){0,3}$/),
    );
    const call = fc.record({
      store: fc.integer({ min: 0, max: 2 }),
      method: fc.constantFrom('set', 'delete'),
      name,
      value: fc.constantFrom('program', 'config-key', '1', 'inherited'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 25 }), async (calls) => {
        const env: Record<string, string | undefined> = { ...baseEnv, GIT_PAGER: 'cat' };
        const stores: SecretStore[] = [
          createEnvSecretStore({ env }),
          createEnvSecretStore({ writableNames: ['api-key', 'github-token', 'db-password'], env }),
          createEnvSecretStore({ prefix: 'MYAPP_', env }),
        ];
        const values = { program: attackerProgram, 'config-key': 'diff.external', '1': '1', inherited: 'cat' };
        for (const { store, method, name: secretName, value } of calls) {
          const target = stores[store] as SecretStore;
          await (method === 'set' ? target.set(secretName, values[value]) : target.delete(secretName)).catch(() => {});
        }
        gitDiff(env);
        expect(existsSync(marker)).toBe(false);
        const changed = Object.keys(allDefined(env)).filter((variable) => !(variable in baseEnv));
        for (const variable of changed) {
          expect(
            ['GIT_PAGER', 'API_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD'].includes(variable) || variable.startsWith('MYAPP_'),
          ).toBe(true);
        }
        expect(env.GIT_PAGER).toBe('cat');
      }),
      { numRuns: 60 },
    );
  });
});

describe('createEnvSecretStore(config) given a polluted Object.prototype (another library set fields on it)', () => {
  const polluted = Object.prototype as Record<string, unknown>;
  afterEach(() => {
    delete polluted.writableNames;
    delete polluted.env;
  });

  it('a read-only store stays read-only under Object.prototype.writableNames', async () => {
    polluted.writableNames = ['github-token'];
    const store = createEnvSecretStore({ env: {} });
    await expect(store.set('github-token', 'ghp_attacker')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });

  it('secrets come from the environment given, never from Object.prototype.env', async () => {
    polluted.env = { MYAPP_GITHUB_TOKEN: 'ghp_attacker' };
    const store = createEnvSecretStore({ prefix: 'MYAPP_' });
    expect(await store.get('github-token')).not.toBe('ghp_attacker');
  });
});
