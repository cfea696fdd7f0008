import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryConfigStore } from './config-store.js';
import {
  checkCapability,
  checkSessionAccess,
  checkToolAccess,
  events,
  filterToolsByPolicy,
  getDefaultSecurityEngine,
  getSecurityConfig,
  initSecurity,
  resolvePolicy,
  saveSecurityConfig,
  setDefaultSecurityEngine,
} from './default-engine.js';
import { InvalidInputError } from './errors.js';
import type { SecurityEvent } from './events.js';
import type { SecurityConfigInput } from './policy/config-schema.js';
import { createP2PContext } from './security-context.js';
import { createInjectionSource } from './sources.js';

afterEach(() => setDefaultSecurityEngine(undefined));

describe('importing @warden/core', () => {
  it('installs no timers, signal handlers or other handles (WOPR module timers/signal handlers on import)', () => {
    // A fresh process, so nothing the test runner holds open can hide or fake a handle.
    const script = `
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit', 'beforeExit', 'uncaughtException'];
      const listeners = () => signals.map((signal) => process.listenerCount(signal));
      const before = { listeners: listeners(), resources: process.getActiveResourcesInfo() };
      const core = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
      const after = { listeners: listeners(), resources: process.getActiveResourcesInfo() };
      console.log(JSON.stringify({ before, after, exports: Object.keys(core).length }));
    `;
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', '--input-type=module', '--eval', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 60_000 },
    );
    const { before, after, exports } = JSON.parse(output.trim().split('\n').pop() ?? '{}');
    expect(exports).toBeGreaterThan(50);
    expect(after.listeners).toEqual(before.listeners);
    // The loader's own handles may close meanwhile; import must add none (no timer, socket, watcher).
    const count = (list: string[], type: string) => list.filter((entry) => entry === type).length;
    // In-flight file reads (FSReq*) belong to the loader, not to anything the import installed.
    const handles = (after.resources as string[]).filter((type) => !type.startsWith('FSReq'));
    for (const type of handles) {
      expect(count(after.resources, type), type).toBeLessThanOrEqual(count(before.resources, type));
    }
    expect(after.resources).not.toContain('Timeout');
  });
});

describe('module-level policy functions', () => {
  it('work on a built-in default engine before initSecurity, created on first use', () => {
    expect(getSecurityConfig().enforcement).toBe('enforce');
    expect(getDefaultSecurityEngine()).toBe(getDefaultSecurityEngine());
    const peer = createInjectionSource('p2p', { identity: { publicKey: 'k' } });
    expect(resolvePolicy(peer, 's').capabilities).toEqual(['inject']);
    expect(checkSessionAccess(peer, 's').allowed).toBe(false);
    expect(checkCapability(peer, 's', 'inject').allowed).toBe(true);
    expect(filterToolsByPolicy(['Read', 'Bash'], createInjectionSource('cli'), 's')).toEqual(['Read', 'Bash']);
  });

  it('run the seed’s handleP2PInject example', () => {
    const handleP2PInject = (
      session: string,
      message: string,
      peerKey: string,
      trustLevel: 'trusted' | 'untrusted',
    ) => {
      const ctx = createP2PContext(session, peerKey, trustLevel);
      const bashCheck = checkToolAccess(ctx.source, session, 'Bash');
      if (!bashCheck.allowed) return { error: bashCheck.reason };
      return { injected: message };
    };
    expect(handleP2PInject('code', 'hi', 'MCow...', 'untrusted')).toEqual({
      error: "Tool Bash requires capability inject.exec, not granted for trust level 'untrusted'",
    });
  });

  it('publish to the module-level events emitter, as in the seed', () => {
    const seen: SecurityEvent[] = [];
    const unsubscribe = events.on('security', (event) => seen.push(event));
    checkToolAccess(createInjectionSource('p2p'), 'main', 'Bash');
    unsubscribe();
    expect(seen.map((event) => [event.type, event.session])).toEqual([['tool_blocked', 'main']]);
  });
});

describe('initSecurity(options) against a polluted Object.prototype', () => {
  // The attacker: another library in the process set Object.prototype.config (or .path).
  it('loads neither a configuration nor a file the options do not name themselves', async () => {
    const prototype = Object.prototype as Record<string, unknown>;
    const directory = await mkdtemp(join(tmpdir(), 'warden-init-'));
    const planted = join(directory, 'planted.json');
    await writeFile(planted, JSON.stringify({ enforcement: 'off' }));
    const own = join(directory, 'own.json');
    const environment = process.env.WARDEN_SECURITY_CONFIG;
    try {
      prototype.config = { enforcement: 'off', defaultAccess: ['*'], defaults: { capabilities: ['*'] } };
      await initSecurity({ store: createMemoryConfigStore() });
      expect(getSecurityConfig().enforcement).toBe('enforce');
      delete prototype.config;
      prototype.path = planted;
      process.env.WARDEN_SECURITY_CONFIG = own;
      await initSecurity();
      expect(getSecurityConfig().enforcement).toBe('enforce');
    } finally {
      delete prototype.config;
      delete prototype.path;
      if (environment === undefined) delete process.env.WARDEN_SECURITY_CONFIG;
      else process.env.WARDEN_SECURITY_CONFIG = environment;
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('initSecurity(options) and saveSecurityConfig(config)', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('loads the JSON file, saves atomically, and rejects an invalid config leaving the file intact', async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-init-'));
    const path = join(directory, 'security.json');
    await writeFile(path, JSON.stringify({ enforcement: 'warn' }));
    await initSecurity({ path });
    expect(getSecurityConfig().enforcement).toBe('warn');

    await saveSecurityConfig({ enforcement: 'enforce', defaultAccess: ['*'] });
    const stored = await readFile(path, 'utf8');
    expect(JSON.parse(stored)).toMatchObject({ version: 1, enforcement: 'enforce', defaultAccess: ['*'] });

    const invalid = { enforcement: 'enforce', sessions: { s: { access: ['ip:10.0.0.1'] } } } as SecurityConfigInput;
    await expect(saveSecurityConfig(invalid)).rejects.toThrow(InvalidInputError);
    expect(await readFile(path, 'utf8')).toBe(stored);
    expect(getSecurityConfig().defaultAccess).toEqual(['*']);
  });

  it('keeps the previous default engine when the stored config is invalid', async () => {
    directory = await mkdtemp(join(tmpdir(), 'warden-init-'));
    const path = join(directory, 'security.json');
    await writeFile(path, JSON.stringify({ trustLevels: { root: {} } }));
    const previous = getDefaultSecurityEngine();
    await expect(initSecurity({ path })).rejects.toThrow(InvalidInputError);
    expect(getDefaultSecurityEngine()).toBe(previous);
  });

  it('invalidates cached policies when a config is saved', async () => {
    await initSecurity({ config: {} });
    const plugin = createInjectionSource('plugin', { identity: { pluginName: 'p' } });
    expect(checkToolAccess(plugin, 's', 'Read').allowed).toBe(true);
    await saveSecurityConfig({ trustLevels: { 'semi-trusted': { tools: { deny: ['Read'] } } } });
    expect(checkToolAccess(plugin, 's', 'Read').allowed).toBe(false);
  });
});
