import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecurityEvent } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileAuditStorage } from '../storage/file-storage.ts';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import type { AuditStorage } from '../storage/port.ts';
import { createAuditLog } from './index.ts';

const signingKey = () => generateKeyPairSync('ed25519').privateKey;
const event: SecurityEvent = { type: 'access_granted', timestamp: 1_700_000_000_000, details: { tool: 'fs.read' } };

describe('a misspelt setting is INVALID_INPUT naming it, never a default taken silently', () => {
  it.each([
    [
      'createAuditLog',
      () =>
        createAuditLog({
          storage: createMemoryAuditStorage(),
          signingKey: signingKey(),
          failuremode: 'fail-closed',
        } as never),
      'failuremode',
    ],
    [
      'createFileAuditStorage',
      () => createFileAuditStorage({ directory: '/tmp/warden-audit-typo', readonly: true } as never),
      'readonly',
    ],
    ['createMemoryAuditStorage', () => createMemoryAuditStorage({ record: [] } as never), 'record'],
  ])('%s', (_name, make, path) => {
    expect(make).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', issues: [expect.objectContaining({ path })] }),
    );
  });
});

describe('createAuditLog reads only the settings it was given (a polluted Object.prototype)', () => {
  const polluted: string[] = [];
  const pollute = (key: string, value: unknown): void => {
    polluted.push(key);
    Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true });
  };
  let directory: string | undefined;
  afterEach(async () => {
    for (const key of polluted.splice(0)) delete (Object.prototype as Record<string, unknown>)[key];
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("Object.prototype.failureMode = 'fail-open' leaves a log that fails closed", async () => {
    pollute('failureMode', 'fail-open');
    const inner = createMemoryAuditStorage();
    let broken = false;
    const storage: AuditStorage = {
      ...inner,
      async append(records: readonly Uint8Array[]) {
        if (broken) throw new Error('ENOSPC: no space left on device');
        return inner.append(records);
      },
    };
    const log = createAuditLog({ storage, signingKey: signingKey() });
    broken = true;
    await expect(log.write(event)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(() => log.assertWritable()).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
    await log.close().catch(() => {});
  });

  it('Object.prototype.storage receives no entry of a log written to a directory', async () => {
    const stolen: Uint8Array[] = [];
    const thief = createMemoryAuditStorage();
    pollute('storage', { ...thief, append: async (records: readonly Uint8Array[]) => stolen.push(...records) });
    directory = await mkdtemp(join(tmpdir(), 'warden-audit-pollution-'));
    const log = createAuditLog({ directory, signingKey: signingKey(), checkpointIntervalMs: 0 });
    await log.write(event);
    await log.close();
    expect(stolen).toEqual([]);
  });
});
