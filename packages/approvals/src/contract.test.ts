import {
  APPROVAL_CONTRACT_TTL_MS,
  runApprovalStoreContract,
  runApprovalWorkflowContract,
} from '@warden/contract-tests';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { createApprovalWorkflow } from './approval-workflow.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

const ttl = APPROVAL_CONTRACT_TTL_MS;

runApprovalWorkflowContract({
  name: 'memory store',
  createSubject: async () => {
    let time = Date.UTC(2026, 0, 1);
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter({ now: () => time });
    emitter.on('security', (event) => events.push(event));
    const workflow = createApprovalWorkflow({
      store: createMemoryApprovalStore(),
      now: () => time,
      events: emitter,
      tiers: { auto: { ttl }, 'peer-review': { ttl }, 'team-lead': { ttl }, 'security-review': { ttl } },
    });
    return {
      subject: workflow,
      events,
      clock: {
        advance: (ms) => {
          time += ms;
        },
      },
      cleanup: async () => {},
    };
  },
});

runApprovalStoreContract({
  name: 'memory',
  createSubject: async () => ({ subject: createMemoryApprovalStore(), cleanup: async () => {} }),
});
