import { createServer, type Server, type Socket } from 'node:net';
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLazyRedisConnection, createRedisClient, duplicateForSubscriber } from './connection.js';

// The attacker (or a fault) is the network: an address that accepts the connection and then never
// answers the TLS handshake (a tarpit), or drops it (a black-holed host). ioredis gives connecting
// 10 s by default, so every call that had to connect waited that long, whatever commandTimeoutMs said.
describe('connecting is bounded by commandTimeoutMs', () => {
  let tarpit: Server;
  let port: number;
  const held: Socket[] = [];
  beforeEach(async () => {
    tarpit = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => tarpit.listen(0, '127.0.0.1', resolve));
    port = (tarpit.address() as { port: number }).port;
  });
  afterEach(async () => {
    for (const socket of held.splice(0)) socket.destroy();
    await new Promise((resolve) => tarpit.close(resolve));
  });

  it('get() against a server that never answers the TLS handshake gives up before a client with half ioredis default connect timeout, started first, does', async () => {
    // The yardstick: a plain ioredis client on the same tarpit, given 5 s to connect (ioredis's
    // default is 10 s). Warden's connection, with 250 ms per command, must give up first.
    const yardstick = new Redis({
      host: '127.0.0.1',
      port,
      tls: {},
      lazyConnect: true,
      connectTimeout: 5_000,
      retryStrategy: () => null,
    });
    yardstick.on('error', () => {});
    let yardstickGaveUp = false;
    const yardstickDone = yardstick.connect().catch(() => {
      yardstickGaveUp = true;
    });
    const connection = createLazyRedisConnection(
      { kind: 'url', url: `redis://127.0.0.1:${port}`, auth: { tls: true } },
      250,
    );
    try {
      await expect(connection.get()).rejects.toThrow();
      expect(yardstickGaveUp).toBe(false);
    } finally {
      await connection.close();
      yardstick.disconnect();
      await yardstickDone;
    }
  }, 60_000);

  it('every client Warden builds (single, Sentinel and its sentinels, Cluster nodes, subscribers) has a connect timeout of commandTimeoutMs', () => {
    const single = createRedisClient({ kind: 'url', url: 'redis://127.0.0.1:1' }, 750) as Redis;
    // ioredis gives a Sentinel client's own connectTimeout to its connections to the sentinels.
    const sentinel = createRedisClient(
      { kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port: 1 }], masterName: 'm' },
      750,
    ) as Redis;
    const cluster = createRedisClient({ kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }] }, 750) as Cluster;
    const subscribers = [duplicateForSubscriber(single, 900), duplicateForSubscriber(sentinel, 900)] as Redis[];
    const clusterSubscriber = duplicateForSubscriber(cluster, 900) as Cluster;
    expect(single.options.connectTimeout).toBe(750);
    expect(sentinel.options.connectTimeout).toBe(750);
    expect(cluster.options.redisOptions?.connectTimeout).toBe(750);
    for (const subscriber of subscribers) expect(subscriber.options.connectTimeout).toBe(900);
    expect(clusterSubscriber.options.redisOptions?.connectTimeout).toBe(900);
    for (const client of [single, sentinel, cluster, ...subscribers, clusterSubscriber]) client.disconnect();
  });

  it('a commandTimeoutMs that is not a positive whole number (0 is no timeout to ioredis) is INVALID_INPUT, before any client exists', () => {
    const target = { kind: 'url', url: 'redis://127.0.0.1:1' } as const;
    const single = createRedisClient(target, 750);
    for (const commandTimeoutMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createLazyRedisConnection(target, commandTimeoutMs), String(commandTimeoutMs)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
      expect(() => createRedisClient(target, commandTimeoutMs)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
      expect(() => duplicateForSubscriber(single, commandTimeoutMs)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
    single.disconnect();
  });
});
