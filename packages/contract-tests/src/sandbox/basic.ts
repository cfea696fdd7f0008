import { NotFoundError, type SandboxStatus } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError, settle } from '../expect-error.js';
import { type SandboxSuite, sandboxIds } from './harness.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** Checks the fields every {@link SandboxStatus} carries. */
export function expectRunningStatus(status: SandboxStatus): void {
  expect(typeof status.id).toBe('string');
  expect(status.id.length).toBeGreaterThan(0);
  expect(status.state).toBe('running');
  expect(status.createdAt).toMatch(ISO_TIME);
  expect(typeof status.constraints).toBe('object');
}

/** create, getStatus, list and destroy: the sandbox lifecycle. */
export function registerSandboxBasics({ harness, capabilities, timeoutMs }: SandboxSuite): void {
  it(
    'names its port version and provider',
    async () => {
      const { sandbox } = await harness();
      expect(sandbox.specificationVersion).toBe('sandbox-v1');
      expect(sandbox.providerId).toMatch(/\S/);
    },
    timeoutMs,
  );

  it(
    'create() without constraints reports the limits it filled in, never unlimited',
    async () => {
      const { sandbox, create } = await harness();
      const created = await create();
      for (const status of [created, await sandbox.getStatus(created.id)]) {
        const { constraints } = status;
        expect(['none', 'egress-only', 'full']).toContain(constraints.networkPolicy);
        expect(constraints.timeoutMs, 'timeoutMs').toBeGreaterThan(0);
        if (!capabilities.resourceLimits) continue;
        for (const limit of ['maxMemoryMb', 'maxCpuPercent', 'maxPids'] as const) {
          expect(Number.isFinite(constraints[limit]), limit).toBe(true);
          expect(constraints[limit], limit).toBeGreaterThan(0);
        }
      }
    },
    timeoutMs,
  );

  it(
    'create(constraints) starts a running sandbox that getStatus(id) and list() report',
    async () => {
      const { sandbox, create } = await harness();
      const created = await create({ timeoutMs: 45_000, env: { WARDEN_CONTRACT: 'basic' } });
      expectRunningStatus(created);
      expect(created.constraints).toMatchObject({ timeoutMs: 45_000, env: { WARDEN_CONTRACT: 'basic' } });

      const status = await sandbox.getStatus(created.id);
      expectRunningStatus(status);
      expect(status).toMatchObject({ id: created.id, createdAt: created.createdAt });
      expect(sandboxIds(await sandbox.list())).toContain(created.id);
    },
    timeoutMs,
  );

  it(
    'destroy(id) removes the sandbox, is idempotent, and later calls throw SandboxNotFoundError',
    async () => {
      const { sandbox, create } = await harness();
      const { id } = await create();
      await sandbox.destroy(id);
      await sandbox.destroy(id);

      expect(sandboxIds(await sandbox.list())).not.toContain(id);
      const notFound = await expectWardenError(() => sandbox.getStatus(id), 'SANDBOX_NOT_FOUND', 'getStatus');
      expect(NotFoundError.isInstance(notFound)).toBe(true);
      expect((notFound as NotFoundError).id, 'the error names the id it did not find').toBe(id);
      await expectWardenError(() => sandbox.execute(id, 'true'), 'SANDBOX_NOT_FOUND', 'execute');
    },
    timeoutMs,
  );

  it(
    'create({ maxMemoryMb, maxCpuPercent, maxPids }) reports the limits it enforces, or refuses them',
    async () => {
      const { sandbox, create } = await harness();
      const limits = { maxMemoryMb: 128, maxCpuPercent: 50, maxPids: 64 };
      const before = sandboxIds(await sandbox.list());
      const outcome = await settle(create(limits));
      if ('rejected' in outcome) {
        expect(capabilities.resourceLimits, 'this backend declares resourceLimits but refused them').toBe(false);
        await expectWardenError(() => Promise.reject(outcome.rejected), 'CAPABILITY_UNSUPPORTED');
        expect(sandboxIds(await sandbox.list())).toEqual(before);
        return;
      }
      expectRunningStatus(outcome.resolved);
      expect(outcome.resolved.constraints).toMatchObject(limits);
    },
    timeoutMs,
  );
}
