import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findFreePort } from './redis-server.js';

/** A private master, replica and three sentinels, for failover tests that kill the master. */
export interface RedisSentinelSetHandle {
  /** The sentinels' addresses. */
  readonly sentinels: Array<{ host: string; port: number }>;
  /** The master name they monitor. */
  readonly masterName: string;
  /** Asks a sentinel which port the current master listens on. */
  masterPort(): Promise<number>;
  /** Kills the current master at once (SIGKILL), like a crash. */
  killMaster(): Promise<number>;
  /**
   * Stops the current replica's process (SIGSTOP) until {@link RedisSentinelSetHandle.thawReplica}:
   * meanwhile it acknowledges no write (`WAIT` counts 0). Resolves with its port.
   */
  freezeReplica(): Promise<number>;
  /** Lets a frozen replica run again (SIGCONT). */
  thawReplica(): void;
  /** Stops every process and removes the directory. */
  dispose(): Promise<void>;
}

async function ask(port: number, ...command: string[]): Promise<unknown> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await redis.call(command[0] ?? 'PING', ...command.slice(1));
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/**
 * Starts a master, a replica and three sentinels (`down-after-milliseconds` 1000,
 * `failover-timeout` 3000) on free loopback ports in a temporary directory.
 */
export async function startRedisSentinelSet(masterName = 'warden'): Promise<RedisSentinelSetHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const start = async (port: number, args: string[]): Promise<void> => {
    children.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    await until(async () => (await ask(port, 'PING')) === 'PONG', `redis on ${port}`);
  };
  const [master, replica] = [await findFreePort(), await findFreePort()];
  const base = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  await start(master, ['--port', String(master), ...base]);
  await start(replica, ['--port', String(replica), ...base, '--replicaof', '127.0.0.1', String(master)]);
  const sentinelPorts: number[] = [];
  for (let index = 0; index < 3; index += 1) {
    const port = await findFreePort();
    const file = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${master} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 3000`,
        '',
      ].join('\n'),
    );
    await start(port, [file, '--sentinel']);
    sentinelPorts.push(port);
  }
  const masterPort = async (): Promise<number> => {
    for (const port of sentinelPorts) {
      const reply = await ask(port, 'SENTINEL', 'get-master-addr-by-name', masterName);
      if (Array.isArray(reply) && reply[1]) return Number(reply[1]);
    }
    return 0;
  };
  await until(async () => {
    const replies = await Promise.all(sentinelPorts.map((port) => ask(port, 'SENTINEL', 'master', masterName)));
    return replies.every((reply) => {
      const fields = Array.isArray(reply) ? reply.map(String) : [];
      const field = (name: string): string | undefined => fields[fields.indexOf(name) + 1];
      return field('num-slaves') === '1' && field('num-other-sentinels') === '2';
    });
  }, 'sentinels to know the replica and each other');
  const stop = async (port: number, signal: NodeJS.Signals): Promise<void> => {
    const child = children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  let frozen: number | undefined;
  const thawReplica = (): void => {
    if (frozen !== undefined) children.get(frozen)?.kill('SIGCONT');
    frozen = undefined;
  };
  return {
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    masterName,
    masterPort,
    async killMaster() {
      const port = await masterPort();
      await stop(port, 'SIGKILL');
      return port;
    },
    async freezeReplica() {
      const current = await masterPort();
      const port = current === master ? replica : master;
      children.get(port)?.kill('SIGSTOP');
      frozen = port;
      return port;
    },
    thawReplica,
    async dispose() {
      // A stopped process would not act on SIGTERM.
      thawReplica();
      for (const port of children.keys()) await stop(port, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
