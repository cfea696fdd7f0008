import { createServer } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisClient, duplicateForSubscriber } from './connection.js';
import { reconnectDelay } from './reconnect-delay.js';
import { createSentinelClient, SentinelClient } from './sentinel-client.js';

/** A loopback port nothing listens on: every sentinel question fails, so the client stays connecting. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 1;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What ioredis's failover detector does on `+switch-master`: cut the connector's attempt short. */
function hearSwitchMaster(client: Redis): void {
  (client as unknown as { connector: { disconnect(): void } }).connector.disconnect();
}

describe('SentinelClient', () => {
  const opened: Redis[] = [];
  afterEach(() => {
    for (const client of opened.splice(0)) client.disconnect();
  });

  const open = async (Client: new (options: RedisOptions) => Redis): Promise<{ client: Redis; statuses: string[] }> => {
    const port = await closedPort();
    const client = new Client({
      sentinels: [{ host: '127.0.0.1', port }],
      name: 'warden',
      lazyConnect: true,
      enableOfflineQueue: false,
      sentinelRetryStrategy: reconnectDelay,
    });
    opened.push(client);
    client.on('error', () => {});
    const statuses: string[] = [];
    for (const status of ['connecting', 'end']) client.on(status, () => statuses.push(status));
    client.connect().catch(() => {});
    await vi.waitFor(() => expect(client.status).toBe('connecting'));
    return { client, statuses };
  };

  it("ioredis's own client ends for good when a failover is announced while it looks for the master (the fault this class exists for)", async () => {
    const { client, statuses } = await open(Redis);
    hearSwitchMaster(client);
    await vi.waitFor(() => expect(client.status).toBe('end'), { timeout: 10_000 });
    await sleep(reconnectDelay(1) * 4);
    expect(client.status).toBe('end');
    expect(statuses).toEqual(['connecting', 'end']);
  });

  it('starts connecting again when a failover is announced while it looks for the master', async () => {
    const { client, statuses } = await open(SentinelClient);
    hearSwitchMaster(client);
    await vi.waitFor(() => expect(statuses).toEqual(['connecting', 'end', 'connecting']), { timeout: 10_000 });
    expect(client.status).toBe('connecting');
  });

  it('stays ended when disconnect() is called while it connects', async () => {
    const { client, statuses } = await open(SentinelClient);
    client.disconnect();
    await vi.waitFor(() => expect(client.status).toBe('end'), { timeout: 10_000 });
    await sleep(reconnectDelay(1) * 4);
    expect(client.status).toBe('end');
    expect(statuses).toEqual(['connecting', 'end']);
  });

  it('connects at once without lazyConnect, as ioredis does', async () => {
    const client = createSentinelClient({
      sentinels: [{ host: '127.0.0.1', port: await closedPort() }],
      name: 'warden',
    });
    opened.push(client);
    client.on('error', () => {});
    expect(client.status).toBe('connecting');
    expect(client.options.lazyConnect).toBe(false);
  });

  it('is what createRedisClient opens for Sentinel, and stays one through duplicateForSubscriber', () => {
    const client = createRedisClient(
      { kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port: 1 }], masterName: 'warden' },
      500,
    );
    opened.push(client as Redis);
    expect(client).toBeInstanceOf(SentinelClient);
    const subscriber = duplicateForSubscriber(client, 500);
    opened.push(subscriber as Redis);
    expect(subscriber).toBeInstanceOf(SentinelClient);
    expect((subscriber as Redis).options.autoResendUnfulfilledCommands).toBe(false);
  });
});
