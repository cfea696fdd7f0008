/**
 * One subscriber process of the propagation benchmark, run from a bundle (no TypeScript loader
 * to start, so fifty of them start quickly on a small machine):
 * `node propagation-child.mjs <address> <name>`, with the operator's public key in
 * `WARDEN_BENCH_VERIFY_KEY`. It holds, side by side, a kill switch without keys (`<name>-plain`),
 * one that verifies the operator's signature (`<name>-signed`) and a plain ioredis subscriber of
 * channels `<name>-publish` (reported as it arrives) and `<name>-reread` (reported once a plain
 * ioredis connection has read the hash `{<name>}-reread`: a message taken only as a hint), a plain
 * ioredis connection waiting in `XREAD BLOCK` on the stream `{<name>}-stream-changes` (as the
 * switches do), and reports every change each one sees with the wall-clock time.
 */
import { createRedisClient } from '@warden/redis-client';
import { createRedisKillSwitch } from '../src/redis-kill-switch.js';
import { type ChildMessage, wallClock } from '../test/child-protocol.js';

const [address = '', name = ''] = process.argv.slice(2);
const connection = address.startsWith('{') ? JSON.parse(address) : { url: address };
const send = (message: ChildMessage): void => {
  process.send?.(message);
};
/** Reports a change with the time and this process's CPU time so far (the parent takes differences). */
const report = (reason: string | undefined): void => {
  const at = wallClock();
  const { user, system } = process.cpuUsage();
  send({ type: 'change', active: true, reason, at, cpuMicros: user + system });
};

// Generous timeouts: fifty of these start at once on a loaded two-core machine.
const timeouts = { commandTimeoutMs: 10_000 };
const plain = createRedisKillSwitch({ ...connection, ...timeouts, name: `${name}-plain` });
const signed = createRedisKillSwitch({
  ...connection,
  ...timeouts,
  name: `${name}-signed`,
  verifyKey: process.env.WARDEN_BENCH_VERIFY_KEY ?? '',
});
for (const killSwitch of [plain, signed]) killSwitch.onChange((state) => report(state.reason));
/** A plain subscriber; a Cluster client may fail its first connect or subscribe on a loaded machine: try again. */
async function connectSubscriber(attemptsLeft: number): Promise<ReturnType<typeof createRedisClient>> {
  const client = createRedisClient(
    'clusterNodes' in connection
      ? { kind: 'cluster', nodes: connection.clusterNodes }
      : { kind: 'url', url: connection.url },
    timeouts.commandTimeoutMs,
  );
  client.on('error', () => {});
  try {
    await client.connect();
    await client.subscribe(`${name}-publish`, `${name}-reread`);
    return client;
  } catch (error) {
    client.disconnect();
    if (attemptsLeft <= 1) throw error;
    return connectSubscriber(attemptsLeft - 1);
  }
}
const subscriber = await connectSubscriber(10);
const reader = createRedisClient(
  'clusterNodes' in connection
    ? { kind: 'cluster', nodes: connection.clusterNodes }
    : { kind: 'url', url: connection.url },
  timeouts.commandTimeoutMs,
);
reader.on('error', () => {});
await reader.connect();
const rereadKey = `{${name}}-reread`;
subscriber.on('message', (channel: string, payload: string) => {
  if (channel !== `${name}-reread`) return report(payload);
  reader.hgetall(rereadKey).then(
    (hash) => report(hash.reason),
    () => {},
  );
});
/** Follows the stream of changes from its end, one blocking read at a time, until stopped. */
const streamReader = createRedisClient(
  'clusterNodes' in connection
    ? { kind: 'cluster', nodes: connection.clusterNodes }
    : { kind: 'url', url: connection.url },
  timeouts.commandTimeoutMs,
);
streamReader.on('error', () => {});
await streamReader.connect();
let following = true;
async function followStream(): Promise<void> {
  const streamKey = `{${name}}-stream-changes`;
  let lastId = '$';
  while (following) {
    // Blocks for less than the command timeout, then asks again.
    const reply = (await streamReader
      .xread('BLOCK', 2_000, 'STREAMS', streamKey, lastId)
      .catch(() => new Promise((resolve) => setTimeout(resolve, 100, null)))) as Array<
      [string, Array<[string, string[]]>]
    > | null;
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        lastId = id;
        report(fields[fields.indexOf('reason') + 1]);
      }
    }
  }
}
const followed = followStream();
for (const killSwitch of [plain, signed]) {
  while (
    !(await killSwitch.ready().then(
      () => true,
      () => false,
    ))
  ) {}
}
process.on('message', async (message: { type?: string }) => {
  if (message.type !== 'stop') return;
  await Promise.all([plain.close(), signed.close()]);
  subscriber.disconnect();
  reader.disconnect();
  following = false;
  streamReader.disconnect();
  await followed;
  process.disconnect();
});
send({ type: 'ready' });
