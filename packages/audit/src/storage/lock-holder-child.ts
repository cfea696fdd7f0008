/**
 * Child process of the lock takeover test: opens the file storage in argv[2], appends one record,
 * prints `held` and keeps the directory's lock until killed.
 *
 * @module
 */
import { createFileAuditStorage } from './file-storage.js';

const storage = createFileAuditStorage({ directory: process.argv[2] ?? '' });
await storage.append([new Uint8Array([7])]);
process.stdout.write('held\n');
setInterval(() => {}, 60_000);
