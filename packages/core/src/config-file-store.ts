/**
 * The default {@link ConfigStore}: a JSON file written atomically (temporary file, fsync,
 * rename, directory fsync). Core's only I/O, kept in this module so the rest of core stays pure.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ConfigStore } from './config-store.js';
import { BackendUnavailableError, InvalidInputError } from './errors.js';
import { refuseRepeatedJsonKeys } from './json-repeated-keys.js';
import { assertKnownOptions, ownProperty } from './validation.js';

/** Configuration for {@link createJsonFileConfigStore}. */
export interface JsonFileConfigStoreConfig {
  /** Where the configuration lives; relative paths resolve against the working directory at creation. */
  path: string;
  /** File mode for a newly written file. @default 0o600 */
  mode?: number;
}

/** The environment variable `defaultConfigPath` reads. */
const SECURITY_CONFIG_PATH_ENV = 'WARDEN_SECURITY_CONFIG';

/** `$WARDEN_SECURITY_CONFIG`, or `warden-security.json` in the working directory. Read when called. */
export function defaultConfigPath(environment: NodeJS.ProcessEnv = process.env): string {
  return resolve(environment[SECURITY_CONFIG_PATH_ENV] || 'warden-security.json');
}

/**
 * Creates a store that keeps the configuration in one JSON file. No I/O happens until `load`
 * or `save`. A missing file loads as `undefined`; a file that is not JSON, or that repeats a key
 * within one object, is an `InvalidInputError` naming the path, so a damaged config never
 * silently becomes the default and a file never loads other than it reads.
 */
export function createJsonFileConfigStore(config: JsonFileConfigStoreConfig): ConfigStore {
  assertKnownOptions(config, ['path', 'mode'], 'createJsonFileConfigStore config');
  const given = ownProperty(config, 'path');
  if (typeof given !== 'string' || given.length === 0 || given.includes('\0')) {
    throw new InvalidInputError({
      message: 'Invalid createJsonFileConfigStore config: path must be a non-empty file path',
      issues: [{ path: 'path', message: 'must be a non-empty file path' }],
    });
  }
  const path = resolve(given);
  // An own `mode` only: Object.prototype.mode set by another library must not widen the file's mode.
  const mode = ownProperty(config, 'mode') ?? 0o600;
  // A mode that is not a permission set (NaN, '600', 0o1777) would reach the file system's open().
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new InvalidInputError({
      message: 'Invalid createJsonFileConfigStore config: mode must be a file mode between 0 and 0o777',
      issues: [{ path: 'mode', message: 'must be a file mode between 0 and 0o777' }],
    });
  }
  return {
    load: () => readJsonFile(path),
    save: (config) => writeFileAtomically(path, `${JSON.stringify(config, null, 2)}\n`, mode),
  };
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BackendUnavailableError({
      backend: 'config-file',
      message: `Cannot read security config ${path}`,
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError({
      message: `Security config ${path} is not valid JSON`,
      issues: [{ path: '', message: 'not valid JSON' }],
      cause: error,
    });
  }
  refuseRepeatedJsonKeys(text, `Security config ${path}`);
  return parsed;
}

async function writeFileAtomically(path: string, text: string, mode: number): Promise<void> {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(directory, { recursive: true });
    const file = await open(temporary, 'wx', mode);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncDirectory(directory);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new BackendUnavailableError({
      backend: 'config-file',
      message: `Cannot write security config ${path}`,
      cause: error,
    });
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is already atomic.
  } finally {
    await handle.close();
  }
}
