/**
 * Child process of the crash test: appends events numbered from argv[3] to the log in argv[2]
 * as fast as it can and prints `ack <n>` for each one the log acknowledged, until killed.
 *
 * @module
 */
import { createAuditLog } from './audit-log.js';

const [directory, start, seedHex] = process.argv.slice(2);
const log = createAuditLog({
  directory: directory ?? '',
  signingKey: Buffer.from(seedHex ?? '', 'hex'),
  origin: 'warden.test/crash',
  checkpointIntervalMs: 20,
});
let next = Number(start);
for (;;) {
  // From 1 to 241 writes waiting together: more than a chunk of 64, so that the log keeps
  // several batches in flight (one written while those before it are synced) when it is killed.
  const batch = Array.from({ length: 1 + (next % 7) * 40 }, () => next++);
  await Promise.all(
    batch.map((index) =>
      log
        .write({ type: 'capability_check', timestamp: index, details: { index } })
        .then(() => process.stdout.write(`ack ${index}\n`)),
    ),
  );
}
