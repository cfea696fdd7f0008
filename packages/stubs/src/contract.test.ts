import {
  APPROVAL_CONTRACT_TTL_MS,
  runApprovalWorkflowContract,
  runJITCredentialIssuerContract,
  runKillSwitchContract,
  runSandboxContract,
  runSecretStoreContract,
} from '@warden/contract-tests';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { createMemorySecretStore } from './memory-secret-store.js';
import { createStubApprovalWorkflow } from './stub-approval-workflow.js';
import { createStubJITCredentialIssuer } from './stub-jit-credential-issuer.js';
import { createStubKillSwitch } from './stub-kill-switch.js';
import { createStubSandbox } from './stub-sandbox.js';

runKillSwitchContract({
  name: 'stub',
  createSubject: async () => ({ subject: createStubKillSwitch(), cleanup: async () => {} }),
});

const scripted = new WeakMap<object, { stdout: string; stderr: string }>();

runSandboxContract({
  name: 'stub',
  createSubject: async () => {
    const subject = createStubSandbox({ respond: () => scripted.get(subject) });
    return { subject, cleanup: async () => {} };
  },
  scriptOutput: (subject, output) => {
    scripted.set(subject, output);
  },
  // The stub runs nothing, so execution semantics are out of its reach; it records network
  // policies as given and has no network to widen.
  capabilities: { realExecution: false, networkPolicies: ['none', 'egress-only', 'full'] },
});

runApprovalWorkflowContract({
  name: 'stub',
  createSubject: async () => {
    let time = Date.UTC(2026, 0, 1);
    const ttlMs = APPROVAL_CONTRACT_TTL_MS;
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter({ now: () => time });
    emitter.on('security', (event) => events.push(event));
    const workflow = createStubApprovalWorkflow({
      now: () => time,
      events: emitter,
      tiers: { auto: { ttlMs }, 'peer-review': { ttlMs }, 'team-lead': { ttlMs }, 'security-review': { ttlMs } },
    });
    const clock = {
      advance: (ms: number) => {
        time += ms;
      },
    };
    return { subject: workflow, clock, events, cleanup: async () => {} };
  },
});

runJITCredentialIssuerContract({
  name: 'stub',
  createSubject: async () => {
    let time = Date.UTC(2026, 0, 1);
    const subject = createStubJITCredentialIssuer({ now: () => time });
    const clock = {
      advance: (milliseconds: number) => {
        time += milliseconds;
      },
    };
    return { subject, clock, cleanup: async () => {} };
  },
});

runSecretStoreContract({
  name: 'memory',
  createSubject: async () => ({ subject: createMemorySecretStore(), cleanup: async () => {} }),
});
