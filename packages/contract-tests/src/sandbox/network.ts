import type { NetworkPolicy } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError, settle } from '../expect-error.js';
import { expectRunningStatus } from './basic.js';
import { type SandboxSuite, sandboxIds } from './harness.js';

const POLICIES: readonly NetworkPolicy[] = ['none', 'egress-only', 'full'];

/** Network policies: honoured as asked or refused, never widened. */
export function registerSandboxNetwork({ harness, capabilities, timeoutMs }: SandboxSuite): void {
  for (const policy of POLICIES) {
    const supported = capabilities.networkPolicies.includes(policy);
    const promise = supported
      ? 'honours it'
      : 'honours it or refuses it with CAPABILITY_UNSUPPORTED, never widening it';
    it(
      `create({ networkPolicy: '${policy}' }) ${promise}`,
      async () => {
        const { sandbox, create } = await harness();
        const before = sandboxIds(await sandbox.list());
        const outcome = await settle(create({ networkPolicy: policy }));
        if ('rejected' in outcome) {
          expect(supported, `the backend declares '${policy}' but refused it`).toBe(false);
          await expectWardenError(() => Promise.reject(outcome.rejected), 'CAPABILITY_UNSUPPORTED');
          expect(sandboxIds(await sandbox.list())).toEqual(before);
          return;
        }
        expectRunningStatus(outcome.resolved);
        expect(outcome.resolved.constraints.networkPolicy).toBe(policy);
      },
      timeoutMs,
    );
  }

  if (capabilities.realExecution && capabilities.networkPolicies.includes('none')) {
    it(
      "execute(id, command) in a sandbox created with networkPolicy 'none' sees no interface but loopback",
      async () => {
        const { sandbox, create } = await harness();
        const { id } = await create({ networkPolicy: 'none' });
        const result = await sandbox.execute(id, 'cat /proc/net/dev');
        expect(result.exitCode).toBe(0);
        const interfaces = result.stdout
          .split('\n')
          .filter((line) => line.includes(':'))
          .map((line) => line.split(':')[0]?.trim());
        expect(interfaces).toEqual(['lo']);
      },
      timeoutMs,
    );
  }
}
