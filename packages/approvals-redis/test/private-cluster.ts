import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '@warden/testing';
import { Redis } from 'ioredis';

/** A private two-master Redis Cluster (no replicas) on free loopback ports. */
export interface PrivateCluster {
  /** The nodes, as `clusterNodes` for a store or limiter. */
  readonly nodes: Array<{ host: string; port: number }>;
  /** A plain connection to the master that holds `key`'s slot (for CLIENT PAUSE / CLIENT KILL), closed by `dispose`. */
  adminFor(key: string | Buffer): Promise<Redis>;
  /** Stops both servers and removes their directory. */
  dispose(): Promise<void>;
}

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Two masters, so that losing the connection to one leaves the Cluster client `ready` (with a
 * single node it would reconnect as a whole and never retry a command on its own).
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cluster-'));
  const children: ChildProcess[] = [];
  const admins: Redis[] = [];
  const connect = async (port: number): Promise<Redis> => {
    // A server just spawned refuses connections for a moment: the client retries by itself every
    // 25 ms. (Calling connect() again instead fails once the first attempt has begun retrying:
    // "already connecting", even after it is ready.)
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 25,
    });
    redis.on('error', () => {});
    admins.push(redis);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not answer`)), 20_000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    redis.connect().catch(() => {});
    await ready;
    return redis;
  };
  const ports = [await findFreePort(), await findFreePort()];
  const buses = [await findFreePort(), await findFreePort()];
  const clients: Redis[] = [];
  for (const [index, port] of ports.entries()) {
    const args = ['--port', String(port), '--cluster-port', String(buses[index]), '--bind', '127.0.0.1'];
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`));
    args.push('--save', '', '--appendonly', 'no', '--dir', dir);
    children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    clients.push(await connect(port));
  }
  const [first, second] = clients as [Redis, Redis];
  await first.call('CLUSTER', 'ADDSLOTSRANGE', '0', '8191');
  await second.call('CLUSTER', 'ADDSLOTSRANGE', '8192', '16383');
  await first.call('CLUSTER', 'MEET', '127.0.0.1', String(ports[1]), String(buses[1]));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(clients.map((client) => client.call('CLUSTER', 'INFO')));
    if (states.every((info) => /cluster_state:ok/.test(String(info)) && /cluster_known_nodes:2/.test(String(info))))
      break;
    if (Date.now() > deadline) throw new Error('private Cluster did not come up');
    await sleep(50);
  }
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async adminFor(key) {
      const slot = Number(await first.call('CLUSTER', 'KEYSLOT', key));
      return connect(ports[slot < 8192 ? 0 : 1] as number);
    },
    async dispose() {
      for (const admin of admins) admin.disconnect();
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
