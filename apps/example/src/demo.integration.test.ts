import { describeWithService } from '@warden/testing';
import { expect, it } from 'vitest';
import { runDemo } from './test-host.js';

describeWithService('docker', 'the demo on a real Docker engine', (dockerHost) => {
  describeWithService('redis', 'and a real Redis', (redisUrl) => {
    it('runs the scenario on the real backends, closes every connection and exits 0 by itself', async () => {
      const { WARDEN_AUDIT_LOG: _log, ...env } = process.env;
      const { code, output } = await runDemo({ ...env, DOCKER_HOST: dockerHost, REDIS_URL: redisUrl });
      expect(output).toContain('backends: sandbox docker, kill switch redis, approvals redis, rate limits redis');
      expect(output).toContain('| running as uid 65534');
      expect(output).toContain('Demo finished: the host shut down cleanly.');
      expect(code).toBe(0);
    });
  });
});
