import { InvalidInputError } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMemorySecretStore,
  createStubApprovalWorkflow,
  createStubJITCredentialIssuer,
  createStubSandbox,
} from './index.js';

const FACTORIES: readonly [string, (options: never) => unknown][] = [
  ['createStubSandbox', createStubSandbox],
  ['createStubJITCredentialIssuer', createStubJITCredentialIssuer],
  ['createStubApprovalWorkflow', createStubApprovalWorkflow],
  ['createMemorySecretStore', createMemorySecretStore],
];

function refusal(make: () => unknown): InvalidInputError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('stub factories check their options as the real backends do', () => {
  it.each(FACTORIES)('%s refuses a misspelt option, naming it, instead of ignoring it', (_name, factory) => {
    expect(refusal(() => factory({ nw: () => 0 } as never)).issues).toEqual([expect.objectContaining({ path: 'nw' })]);
  });

  it.each(FACTORIES)(
    '%s refuses options that are not an object, a getter, and a clock that is not a function',
    (_name, factory) => {
      refusal(() => factory('now' as never));
      refusal(() => factory([] as never));
      refusal(() =>
        factory({
          get now() {
            return () => 0;
          },
        } as never),
      );
      expect(refusal(() => factory({ now: 5 } as never)).issues).toEqual([expect.objectContaining({ path: 'now' })]);
    },
  );

  it.each(FACTORIES)('%s takes no options, an empty object and options set to undefined', (_name, factory) => {
    expect(() => factory(undefined as never)).not.toThrow();
    expect(() => factory({} as never)).not.toThrow();
    expect(() => factory({ now: undefined } as never)).not.toThrow();
  });

  it('createStubApprovalWorkflow refuses approvers (an option of @warden/approvals only) instead of letting anyone approve', async () => {
    expect(refusal(() => createStubApprovalWorkflow({ approvers: ['bob'] } as never)).issues).toEqual([
      expect.objectContaining({ path: 'approvers' }),
    ]);
  });
});

describe('stub factories read only the options they were given (a polluted Object.prototype)', () => {
  const polluted = Object.prototype as Record<string, unknown>;
  // Not enumerable, so that only a read of the option itself can find it (an enumerable one makes
  // core's strict request schemas refuse every request, which hides what is tested here).
  const pollute = (key: string, value: unknown): void => {
    Object.defineProperty(Object.prototype, key, { value, configurable: true, writable: true, enumerable: false });
  };
  afterEach(() => {
    delete polluted.tiers;
    delete polluted.isEligible;
    delete polluted.maxTtlMs;
  });

  it('createStubApprovalWorkflow: Object.prototype.tiers does not make a peer review approve itself', async () => {
    pollute('tiers', { 'peer-review': { quorum: 0 } });
    const workflow = createStubApprovalWorkflow();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('createStubApprovalWorkflow: Object.prototype.isEligible does not decide who may approve', async () => {
    pollute('isEligible', () => false);
    const workflow = createStubApprovalWorkflow();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    expect(await workflow.approve(id, 'bob')).toBe('approved');
  });

  it('createStubJITCredentialIssuer: Object.prototype.maxTtlMs does not set the longest TTL', async () => {
    pollute('maxTtlMs', 1_000);
    const issuer = createStubJITCredentialIssuer();
    await expect(issuer.issue(['contents:read'], '15m')).resolves.toBeDefined();
  });
});
