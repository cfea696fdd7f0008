import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJsonFileConfigStore, defaultConfigPath } from './config-file-store.js';
import { BackendUnavailableError, InvalidInputError } from './errors.js';
import { DEFAULT_SECURITY_CONFIG } from './policy/config-schema.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'warden-config-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('createJsonFileConfigStore({ path })', () => {
  it('loads undefined when the file does not exist, and does no I/O at creation', async () => {
    const store = createJsonFileConfigStore({ path: join(directory, 'nested', 'security.json') });
    expect(await readdir(directory)).toEqual([]);
    expect(await store.load()).toBeUndefined();
  });

  it('saves JSON that loads back, with mode 0600 and no temporary file left behind', async () => {
    const path = join(directory, 'nested', 'security.json');
    const store = createJsonFileConfigStore({ path });
    const config = { ...DEFAULT_SECURITY_CONFIG, enforcement: 'warn' as const };
    await store.save(config);
    expect(await store.load()).toEqual(config);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(directory, 'nested'))).toEqual(['security.json']);
  });

  it('writes mode 0600 when Object.prototype.mode was set to 0o666 by another library', async () => {
    const path = join(directory, 'security.json');
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.mode = 0o666;
    try {
      await createJsonFileConfigStore({ path }).save(DEFAULT_SECURITY_CONFIG);
    } finally {
      delete prototype.mode;
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('replaces the file whole on a second save', async () => {
    const path = join(directory, 'security.json');
    const store = createJsonFileConfigStore({ path });
    await store.save({ ...DEFAULT_SECURITY_CONFIG, defaultAccess: ['trust:owner', 'trust:trusted', 'type:cli'] });
    await store.save(DEFAULT_SECURITY_CONFIG);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(DEFAULT_SECURITY_CONFIG);
  });

  it('throws INVALID_INPUT naming the file when it is not JSON', async () => {
    const path = join(directory, 'security.json');
    await writeFile(path, '{ not json');
    await expect(createJsonFileConfigStore({ path }).load()).rejects.toThrow(InvalidInputError);
    await expect(createJsonFileConfigStore({ path }).load()).rejects.toThrow(path);
  });

  it('throws INVALID_INPUT naming the key when an object repeats one (JSON.parse would keep the last)', async () => {
    const path = join(directory, 'security.json');
    await writeFile(path, '{"enforcement": "enforce", "enforcement": "warn"}');
    const error = await createJsonFileConfigStore({ path })
      .load()
      .catch((caught: unknown) => caught);
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ issues: [{ path: '/enforcement', message: 'repeated key' }] });
    expect((error as Error).message).toContain(path);
  });

  it('rejects with BACKEND_UNAVAILABLE and keeps the old file when the write fails', async () => {
    const path = join(directory, 'security.json');
    await writeFile(path, '{"enforcement":"warn"}');
    const blocked = createJsonFileConfigStore({ path: join(path, 'inside-a-file.json') });
    await expect(blocked.save(DEFAULT_SECURITY_CONFIG)).rejects.toThrow(BackendUnavailableError);
    expect(await readFile(path, 'utf8')).toBe('{"enforcement":"warn"}');
  });

  it('rejects an empty path', () => {
    expect(() => createJsonFileConfigStore({ path: '' })).toThrow(InvalidInputError);
  });
});

describe('defaultConfigPath(environment)', () => {
  it('uses WARDEN_SECURITY_CONFIG, else warden-security.json in the working directory', () => {
    expect(defaultConfigPath({ WARDEN_SECURITY_CONFIG: '/etc/warden/security.json' })).toBe(
      '/etc/warden/security.json',
    );
    expect(defaultConfigPath({})).toBe(join(process.cwd(), 'warden-security.json'));
  });
});
