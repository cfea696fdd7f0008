import { randomUUID } from 'node:crypto';
import { describeWithService } from '@warden/testing';
import { afterEach, expect, it } from 'vitest';
import { runScenario, type ScenarioStep } from './scenario.js';
import { startTestHost, type TestHost } from './test-host.js';

// biome-ignore lint/suspicious/noExplicitAny: the test walks parsed JSON response bodies
type Json = Record<string, any>;

const body = (steps: ScenarioStep[], step: number, exchange: number): Json =>
  steps[step - 1]?.exchanges[exchange]?.body as Json;

describeWithService('docker', 'the scenario against a real Docker engine', (dockerHost) => {
  describeWithService('redis', 'and a real Redis', (redisUrl) => {
    let host: TestHost | undefined;
    afterEach(async () => {
      await host?.dispose();
      host = undefined;
    });

    it('runs every step end to end: hardened sandboxes, Redis kill switch, Redis approvals and rate limits', async () => {
      const run = `example-it-${randomUUID()}`;
      host = await startTestHost({
        env: {
          DOCKER_HOST: dockerHost,
          REDIS_URL: redisUrl,
          WARDEN_SANDBOX_TEST_IMAGE: process.env.WARDEN_SANDBOX_TEST_IMAGE ?? 'warden-sandbox:test',
        },
        sections: {
          killSwitch: { name: run },
          approvals: { prefix: `warden:${run}:approvals:` },
          rateLimiter: { prefix: `warden:${run}:rate:` },
        },
      });
      const steps = await runScenario(host.client, host.actors, () => {});
      expect(body(steps, 1, 0).backends).toEqual({
        sandbox: 'docker',
        killSwitch: 'redis',
        approvals: 'redis',
        rateLimiter: 'redis',
        credentials: 'stub',
      });

      const owner = body(steps, 2, 0).run;
      expect(owner).toMatchObject({
        exitCode: 0,
        sandbox: { backend: 'docker', destroyed: true },
        jitCredential: { revoked: true },
      });
      // The command ran as the unprivileged sandbox user and saw the run's credential, which never comes back out.
      expect(owner.stdout).toBe('running as uid 65534\nJIT credential present: yes\n');
      expect(body(steps, 4, 2).run.stdout).toBe('tests pass\n');

      const approved = body(steps, 6, 1);
      expect(approved).toMatchObject({
        status: 'completed',
        approvedBy: ['alice'],
        source: { type: 'gateway', trustLevel: 'untrusted' },
      });
      expect(approved.run.sandbox.constraints).toMatchObject({
        maxMemoryMb: 128,
        maxCpuPercent: 25,
        maxPids: 32,
        networkPolicy: 'none',
      });
      expect(Number(approved.run.stdout.trim())).toBeGreaterThan(0);

      expect(body(steps, 8, 0)).toMatchObject({ active: true, actor: 'alice', reason: 'Demo: suspicious activity' });
      for (const exchange of [1, 2, 3]) expect(body(steps, 8, exchange).error.code).toBe('KILL_SWITCH_ACTIVE');
      expect(body(steps, 9, 0).active).toBe(false);
      expect(await host.running.host.context.backends.sandbox.list()).toEqual([]);
      const types = host.events.map((event) => event.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'kill_switch_activated',
          'kill_switch_deactivated',
          'approval_approved',
          'gateway_forward',
        ]),
      );
    });
  });
});
