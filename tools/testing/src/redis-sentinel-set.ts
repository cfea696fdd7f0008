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
  /**
   * Stops sentinel `index` (of {@link RedisSentinelSetHandle.sentinels}) with SIGSTOP until
   * {@link RedisSentinelSetHandle.thawSentinel}: it still accepts connections (the kernel does) but
   * answers nothing, so a client asking it where the master is waits.
   */
  freezeSentinel(index: number): void;
  /** Lets a frozen sentinel run again (SIGCONT). */
  thawSentinel(index: number): void;
  /**
   * Fails over without killing anything (`SENTINEL FAILOVER`, asked of sentinel `viaSentinel`):
   * the replica is promoted, the old master becomes its replica, and the sentinels announce
   * `+switch-master`. Resolves with the new master's port once that sentinel names it.
   */
  forceFailover(viaSentinel: number): Promise<number>;
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
    // A frozen process accepts the connection and answers nothing: give up instead of waiting.
    commandTimeout: 2_000,
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
  const masterPortFrom = async (sentinel: number): Promise<number> => {
    const reply = await ask(sentinel, 'SENTINEL', 'get-master-addr-by-name', masterName);
    return Array.isArray(reply) && reply[1] ? Number(reply[1]) : 0;
  };
  const masterPort = async (): Promise<number> => {
    for (const port of sentinelPorts) {
      const answer = await masterPortFrom(port);
      if (answer) return answer;
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
  const sentinelPort = (index: number): number => {
    const port = sentinelPorts[index];
    if (port === undefined) throw new RangeError(`No sentinel ${index}: the set has ${sentinelPorts.length}`);
    return port;
  };
  const frozenSentinels = new Set<number>();
  const thawSentinel = (index: number): void => {
    const port = sentinelPort(index);
    if (frozenSentinels.delete(port)) children.get(port)?.kill('SIGCONT');
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
    freezeSentinel(index) {
      const port = sentinelPort(index);
      children.get(port)?.kill('SIGSTOP');
      frozenSentinels.add(port);
    },
    thawSentinel,
    async forceFailover(viaSentinel) {
      const port = sentinelPort(viaSentinel);
      const before = await masterPortFrom(port);
      const reply = await ask(port, 'SENTINEL', 'FAILOVER', masterName);
      if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
      let after = before;
      await until(async () => {
        after = await masterPortFrom(port);
        return after !== 0 && after !== before;
      }, 'the forced failover');
      return after;
    },
    async dispose() {
      // A stopped process would not act on SIGTERM.
      thawReplica();
      for (const index of sentinelPorts.keys()) thawSentinel(index);
      for (const port of children.keys()) await stop(port, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
