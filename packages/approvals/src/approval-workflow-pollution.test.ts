import { afterEach, describe, expect, it } from 'vitest';
import { createApprovalWorkflow } from './index.js';

// Another library in the process set a field on Object.prototype (prototype pollution), not
// enumerable, so that strict schemas reading the caller's keys do not refuse everything first.
const polluted = Object.prototype as Record<string, unknown>;
afterEach(() => {
  delete polluted.caseSensitiveIdentities;
});

describe('createApprovalWorkflow(config) reads only the settings it was given', () => {
  it('Object.prototype.caseSensitiveIdentities does not let alice approve her own request as Alice', async () => {
    Object.defineProperty(Object.prototype, 'caseSensitiveIdentities', {
      value: true,
      configurable: true,
      writable: true,
    });
    const workflow = createApprovalWorkflow();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await expect(workflow.approve(id, 'Alice')).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  });
});
