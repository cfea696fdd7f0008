import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { type SandboxSuite, sandboxIds } from './harness.js';

/** Ids are never reused, and every status the backend returns is a copy. */
export function registerSandboxIdentity({ harness, timeoutMs, capabilities }: SandboxSuite): void {
  it(
    'create() never reuses the id of a destroyed sandbox, and the old id stays unknown',
    async () => {
      const { sandbox, create } = await harness();
      const first = await create();
      const second = await create();
      const destroyed = [second.id, first.id];
      await sandbox.destroy(second.id);
      const third = await create();
      await sandbox.destroy(first.id);
      const later = [third, await create(), await create()];
      for (const status of later) expect(destroyed, 'an old id reaching a new sandbox').not.toContain(status.id);
      for (const id of destroyed) {
        await expectWardenError(() => sandbox.getStatus(id), 'SANDBOX_NOT_FOUND', `getStatus of destroyed ${id}`);
        await expectWardenError(() => sandbox.execute(id, 'true'), 'SANDBOX_NOT_FOUND', `execute in destroyed ${id}`);
      }
      const listed = sandboxIds(await sandbox.list());
      for (const status of later) expect(listed).toContain(status.id);
      for (const id of destroyed) expect(listed).not.toContain(id);
    },
    timeoutMs,
  );

  it(
    'create(constraints) of a sandbox made after another was destroyed keeps its own constraints',
    async () => {
      const { sandbox, create } = await harness();
      const old = await create({ timeoutMs: 1_000, env: { WARDEN_OLD: 'old' } });
      await sandbox.destroy(old.id);
      const fresh = await create({ timeoutMs: 2_000, env: { WARDEN_FRESH: 'fresh' } });
      const status = await sandbox.getStatus(fresh.id);
      expect(status.constraints).toMatchObject({ timeoutMs: 2_000, env: { WARDEN_FRESH: 'fresh' } });
      expect(status.constraints.env).not.toHaveProperty('WARDEN_OLD');
    },
    timeoutMs,
  );

  it(
    'getStatus(id), create() and list() return copies: changing them changes nothing',
    async () => {
      const { sandbox, create } = await harness();
      const networkPolicy = capabilities.networkPolicies[0] ?? 'none';
      const created = await create({ networkPolicy, timeoutMs: 5_000, env: { WARDEN_KEEP: 'kept' } });
      const before = await sandbox.getStatus(created.id);
      const tamper = (status: typeof created): void => {
        status.state = 'destroyed';
        status.createdAt = '1970-01-01T00:00:00.000Z';
        status.constraints.networkPolicy = 'full';
        status.constraints.timeoutMs = 1;
        if (status.constraints.env) status.constraints.env.WARDEN_KEEP = 'tampered';
        status.constraints.allowedPaths = ['/'];
      };
      tamper(created);
      tamper(await sandbox.getStatus(created.id));
      for (const listed of await sandbox.list()) tamper(listed);
      const after = await sandbox.getStatus(created.id);
      expect(after).toEqual(before);
      expect(after).toMatchObject({ state: 'running', constraints: { networkPolicy, timeoutMs: 5_000 } });
    },
    timeoutMs,
  );

  it(
    'create(constraints) keeps the constraints as given, unaffected by later changes to the object',
    async () => {
      const { sandbox, create } = await harness();
      // Only what every backend supports (a codespace mounts no host paths).
      const constraints = { timeoutMs: 5_000, env: { WARDEN_KEEP: 'kept' } };
      const { id } = await create(constraints);
      constraints.timeoutMs = 1;
      constraints.env.WARDEN_KEEP = 'tampered';
      expect((await sandbox.getStatus(id)).constraints).toMatchObject({
        timeoutMs: 5_000,
        env: { WARDEN_KEEP: 'kept' },
      });
    },
    timeoutMs,
  );
}
