import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAuditStorageContract } from './contract-suite.ts';
import { createFileAuditStorage } from './file-storage.ts';
import { createMemoryAuditStorage } from './memory-storage.ts';

runAuditStorageContract({
  name: 'memory',
  createSubject: async () => ({ storage: createMemoryAuditStorage(), cleanup: async () => {} }),
});

runAuditStorageContract({
  name: 'file',
  createSubject: async () => {
    const directory = await mkdtemp(join(tmpdir(), 'warden-audit-contract-'));
    // Small segments, so the contract also crosses segment boundaries.
    const create = () => createFileAuditStorage({ directory, segmentMaxBytes: 64 });
    const storage = create();
    return {
      storage,
      reopen: create,
      cleanup: async () => {
        await storage.close().catch(() => undefined);
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
});
