import { createConnection, type Socket } from 'node:net';
import { describeWithService, type RedisServerHandle, startRedisServer } from '@warden/testing';
import { AbstractConnector, Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';

const NAME = 'acks';
const STATE_KEY = `warden:kill-switch:{${NAME}}:state`;

/** Passes each command written to `socket` to `onWrite` first; when it returns false the command is not sent. */
function interceptWrites(socket: Socket, onWrite: (command: string) => boolean): void {
  const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
  socket.write = ((chunk: unknown, ...rest: unknown[]) =>
    onWrite(String(chunk)) ? write(chunk, ...rest) : false) as typeof socket.write;
}

const isWait = (command: string): boolean => command.includes('\r\nWAIT\r\n');

/** Sends every command but `WAIT`: on that one the socket is dropped, as a master that dies just then. */
function dropOnWait(socket: Socket): Socket {
  interceptWrites(socket, (command) => {
    if (!isWait(command)) return true;
    socket.destroy();
    return false;
  });
  return socket;
}

/**
 * A connector that reaches `first` on its first connection and `then` on every later one: a client
 * whose reconnection lands on another server, as after a Sentinel failover.
 */
function movingConnector(first: number, then: number): typeof AbstractConnector {
  return class MovingConnector extends AbstractConnector {
    private connectionsMade = 0;

    constructor() {
      super(2_000);
    }

    connect(): Promise<Socket> {
      this.connecting = true;
      const port = this.connectionsMade++ === 0 ? first : then;
      const socket = createConnection({ host: '127.0.0.1', port });
      this.stream = port === first ? dropOnWait(socket) : socket;
      return Promise.resolve(this.stream);
    }
  } as unknown as typeof AbstractConnector;
}

/** A connector whose replies to `WAIT` arrive as `+OK` (a proxy's garbage) instead of a count. */
function garbledWaitConnector(port: number): typeof AbstractConnector {
  return class GarbledWaitConnector extends AbstractConnector {
    constructor() {
      super(2_000);
    }

    connect(): Promise<Socket> {
      this.connecting = true;
      const socket = createConnection({ host: '127.0.0.1', port });
      let waitSent = false;
      interceptWrites(socket, (command) => {
        if (isWait(command)) waitSent = true;
        return true;
      });
      const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => boolean;
      socket.emit = ((event: string, ...args: unknown[]) => {
        if (event === 'data' && waitSent && /^:\d+\r\n$/.test(String(args[0]))) {
          waitSent = false;
          return emit(event, Buffer.from('+OK\r\n'));
        }
        return emit(event, ...args);
      }) as typeof socket.emit;
      this.stream = socket;
      return Promise.resolve(socket);
    }
  } as unknown as typeof AbstractConnector;
}

describeWithService('redis', 'Redis kill switch: WAIT acknowledges only the write it follows', () => {
  const servers: RedisServerHandle[] = [];
  const clients: Redis[] = [];
  const switches: RedisKillSwitch[] = [];

  afterEach(async () => {
    await Promise.all(switches.splice(0).map((killSwitch) => killSwitch.close()));
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(servers.splice(0).map((server) => server.dispose()));
  });

  const connect = (url: string): Redis => {
    const client = new Redis(url);
    clients.push(client);
    return client;
  };

  it('a WAIT resent after a reconnection to another master does not make a lost activation acknowledged', async () => {
    // `lost`: the master the activation is written to, then dies (no replica). `promoted`: the
    // server the client reconnects to, which has a replica in sync, so WAIT there answers 1 at once.
    const [lost, promoted, replica] = await Promise.all([startRedisServer(), startRedisServer(), startRedisServer()]);
    servers.push(lost, promoted, replica);
    await connect(replica.url).replicaof('127.0.0.1', String(promoted.port));
    await vi.waitFor(async () => expect(await connect(promoted.url).info('replication')).toMatch(/state=online/), {
      timeout: 20_000,
      interval: 100,
    });
    const client = new Redis({ Connector: movingConnector(lost.port, promoted.port), lazyConnect: true } as never);
    clients.push(client);
    client.on('error', () => {});
    const killSwitch = createRedisKillSwitch({
      redis: client,
      name: NAME,
      minReplicaAcks: 1,
      commandTimeoutMs: 5_000,
      staleAfterMs: 10_000,
    });
    switches.push(killSwitch);
    await killSwitch.ready().catch(() => undefined);

    await expect(killSwitch.activate('incident', { actor: 'alice' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/no replica acknowledged it .*connection to Redis changed/),
    });
    // The scenario did happen: the write reached only the master that died, and the WAIT went on to
    // the promoted one. The activation still holds on this instance.
    expect(await connect(lost.url).hget(STATE_KEY, 'active')).toBe('1');
    expect(await connect(promoted.url).exists(STATE_KEY)).toBe(0);
    expect(await killSwitch.isActive()).toBe(true);
  });

  it('a WAIT reply that is not a count (a proxy answering +OK) acknowledges nothing', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const client = new Redis({ Connector: garbledWaitConnector(server.port), lazyConnect: true } as never);
    clients.push(client);
    client.on('error', () => {});
    const killSwitch = createRedisKillSwitch({ redis: client, name: NAME, minReplicaAcks: 1, commandTimeoutMs: 500 });
    switches.push(killSwitch);

    await expect(killSwitch.activate('incident', { actor: 'alice' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/no replica acknowledged it .*0 of 1 replicas/),
    });
    expect(await killSwitch.isActive()).toBe(true);
  });
});
