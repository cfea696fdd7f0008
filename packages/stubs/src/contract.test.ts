import { APPROVAL_CONTRACT_TTL_MS, runApprovalWorkflowContract, runKillSwitchContract } from '@warden/contract-tests';
import { createStubApprovalWorkflow } from './stub-approval-workflow.js';
import { createStubKillSwitch } from './stub-kill-switch.js';

runKillSwitchContract({
  name: 'stub',
  createSubject: async () => ({ subject: createStubKillSwitch(), cleanup: async () => {} }),
});

runApprovalWorkflowContract({
  name: 'stub',
  createSubject: async () => {
    let time = Date.UTC(2026, 0, 1);
    const ttlMs = APPROVAL_CONTRACT_TTL_MS;
    const workflow = createStubApprovalWorkflow({
      now: () => time,
      tiers: { auto: { ttlMs }, 'peer-review': { ttlMs }, 'team-lead': { ttlMs }, 'security-review': { ttlMs } },
    });
    const clock = {
      advance: (ms: number) => {
        time += ms;
      },
    };
    return { subject: workflow, clock, cleanup: async () => {} };
  },
});
