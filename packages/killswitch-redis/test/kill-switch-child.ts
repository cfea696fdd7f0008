/**
 * A separate Node process for the cross-process tests and the benchmark, started with
 * `node --import tsx --conditions=warden-source test/kill-switch-child.ts <mode> …`:
 *
 * `<url>` may also be a JSON connection (`{"clusterNodes":[…]}`, `{"sentinels":[…],…}`).
 *
 * - `switch <url> <name>`: a kill switch instance; reports `ready`, then every change it sees
 *   with the wall-clock time it saw it. On `stop` it closes the switch and lets go of the IPC
 *   channel: the process must then exit by itself.
 * - `pubsub <url> <channel>`: a plain ioredis subscriber, the benchmark's baseline; reports
 *   every message the same way.
 * - `close <url> <name>`: uses a switch (whether or not Redis answers), closes it, prints what
 *   happened as one JSON line, and must exit by itself.
 */

import { createRedisClient, type RedisNodeAddress } from '@warden/redis-client';
import { createRedisKillSwitch } from '../src/redis-kill-switch.js';
import { type ChildMessage, wallClock } from './child-protocol.js';

const [mode, address = '', target = ''] = process.argv.slice(2);
type Connection =
  | { url: string }
  | { clusterNodes: RedisNodeAddress[] }
  | { sentinels: RedisNodeAddress[]; sentinelMasterName: string };
const connection: Connection = address.startsWith('{') ? JSON.parse(address) : { url: address };

const send = (message: ChildMessage): void => {
  process.send?.(message);
};

async function runSwitch(): Promise<void> {
  const killSwitch = createRedisKillSwitch({ ...connection, name: target });
  killSwitch.onChange((state) => send({ type: 'change', active: state.active, reason: state.reason, at: wallClock() }));
  await killSwitch.ready();
  process.on('message', async (message: { type?: string }) => {
    if (message.type !== 'stop') return;
    await killSwitch.close();
    process.disconnect();
  });
  send({ type: 'ready' });
}

async function runPubSub(): Promise<void> {
  const subscriber =
    'clusterNodes' in connection
      ? createRedisClient({ kind: 'cluster', nodes: connection.clusterNodes }, 1_000)
      : 'sentinels' in connection
        ? createRedisClient(
            { kind: 'sentinel', sentinels: connection.sentinels, masterName: connection.sentinelMasterName },
            1_000,
          )
        : createRedisClient({ kind: 'url', url: connection.url }, 1_000);
  subscriber.on('message', (_channel: string, payload: string) =>
    send({ type: 'change', active: true, reason: payload, at: wallClock() }),
  );
  await subscriber.connect();
  await subscriber.subscribe(target);
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stop') return;
    subscriber.disconnect();
    process.disconnect();
  });
  send({ type: 'ready' });
}

async function runClose(): Promise<void> {
  const killSwitch = createRedisKillSwitch({ ...connection, name: target, staleAfterMs: 300, refreshIntervalMs: 50 });
  const active = await killSwitch.isActive();
  const activation = await killSwitch.activate('closing test').then(
    () => 'activated',
    (error: { code?: string }) => error.code,
  );
  await killSwitch.close();
  console.log(JSON.stringify({ active, activation }));
}

const modes: Record<string, () => Promise<void>> = { switch: runSwitch, pubsub: runPubSub, close: runClose };
const run = modes[mode ?? ''];
if (!run) throw new Error(`unknown mode ${mode}`);
await run();
