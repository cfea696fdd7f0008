import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { startRedisServer } from './redis-server.js';
import { describeWithService } from './services.js';

describeWithService('redis', 'startRedisServer()', () => {
  it('keeps data across a kill and restart when the append-only file is on', async () => {
    const server = await startRedisServer({ appendOnly: true });
    try {
      const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      await client.connect();
      await client.set('k', 'v');
      client.disconnect();
      await server.kill();
      await server.restart();
      const again = new Redis(server.url, { lazyConnect: true });
      await again.connect();
      expect(await again.get('k')).toBe('v');
      again.disconnect();
    } finally {
      await server.dispose();
    }
  });
});
