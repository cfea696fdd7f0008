import { createCapabilityAlgebra } from '@warden/core';

/**
 * An operator grants the planner agent what it needs, the planner hands a narrower piece to a
 * worker for ten minutes, and revoking the planner's grant takes the worker's away too.
 */
export function delegateAndRevoke(): string[] {
  let now = Date.UTC(2026, 11, 5, 12, 0, 0);
  const algebra = createCapabilityAlgebra({ now: () => now, maxDelegationDepth: 2 });
  const transcript: string[] = [];

  const plannerGrant = algebra.grant({
    scope: 'tool',
    resource: 'bash',
    actions: ['read', 'execute'],
    grantedBy: 'operator:alice',
    grantedTo: 'agent:planner',
    delegatable: true,
  });

  // Delegation only narrows: the worker gets `read` alone, and only for ten minutes.
  const workerGrant = algebra.delegate(plannerGrant, 'agent:worker', {
    actions: ['read'],
    expiresAt: now + 10 * 60_000,
  });
  transcript.push(
    `chain: ${algebra
      .getDelegationChain(workerGrant.id)
      .map((link) => link.grantedTo)
      .join(' → ')}`,
  );
  transcript.push(`worker read: ${algebra.isAllowed('agent:worker', 'tool', 'bash', 'read')}`);
  transcript.push(`worker execute: ${algebra.isAllowed('agent:worker', 'tool', 'bash', 'execute')}`);

  // Time passes: the worker's grant expires on its own; the planner's does not.
  now += 11 * 60_000;
  transcript.push(`worker read after 11 minutes: ${algebra.isAllowed('agent:worker', 'tool', 'bash', 'read')}`);

  // A fresh delegation, then the operator revokes the planner's grant: everything derived goes.
  const again = algebra.delegate(plannerGrant, 'agent:worker', { actions: ['read'] });
  algebra.revoke(plannerGrant.id, 'planner compromised', { actor: 'operator:alice' });
  const check = algebra.check('agent:worker', 'tool', 'bash', 'read');
  transcript.push(`after revoking the planner: allowed ${check.allowed} (${check.reason})`);
  transcript.push(`the worker's grant is revoked too: ${algebra.getCapability(again.id)?.revocation !== undefined}`);
  return transcript;
}
