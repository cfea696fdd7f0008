import type { KillSwitch } from '@warden/core';
import { describe } from 'vitest';
import { useSubject } from '../subject.js';
import type { ContractOptions } from '../types.js';
import { registerKillSwitchBasics } from './basic.js';
import { registerKillSwitchChanges } from './changes.js';
import { type CreateKillSwitchPeer, registerKillSwitchCrossInstance } from './cross-instance.js';

export type { CreateKillSwitchPeer } from './cross-instance.js';

import { registerKillSwitchInvalidInput } from './invalid-input.js';
import { registerKillSwitchNotifications } from './notifications.js';
import { registerKillSwitchState } from './state.js';
import { registerKillSwitchFreshStateUnknown, released } from './unknown.js';

/** Optional behaviour a kill switch backend may declare. */
export interface KillSwitchContractCapabilities {
  /**
   * Changes made by one instance are seen by another instance of the same switch (another
   * process would use one), created by {@link KillSwitchContractOptions.createPeer}.
   */
  crossInstance: boolean;
  /**
   * A fresh switch of this backend is *unknown* and denies (`isActive()` true, a reason naming
   * `deactivate()`) until an operator releases it, as a shared store must when it cannot tell a
   * new switch from lost state. The suite checks that, then releases every subject with
   * `deactivate()` before the tests that start from an inactive switch. Without it, a fresh
   * switch must be inactive (the in-memory stub).
   */
  freshStateUnknown: boolean;
}

/** Options of {@link runKillSwitchContract}. */
export interface KillSwitchContractOptions extends ContractOptions<KillSwitch, KillSwitchContractCapabilities> {
  /**
   * Creates another instance of the same switch as `subject` (same backend, same name), as a
   * second process would. Required when `capabilities.crossInstance` is on.
   */
  createPeer?: CreateKillSwitchPeer;
}

/**
 * Runs the `KillSwitch` contract suite against a backend: basics, `getState`, `onChange`,
 * invalid input and, with `crossInstance`, changes seen by a second instance.
 *
 * @example
 * runKillSwitchContract({
 *   name: 'redis',
 *   createSubject: async () => {
 *     const subject = createRedisKillSwitch({ url, name: `contract-${randomUUID()}` });
 *     return { subject, cleanup: () => subject.close() };
 *   },
 *   createPeer: async (subject) => { … same url and name … },
 *   capabilities: { crossInstance: true },
 * });
 */
export function runKillSwitchContract(options: KillSwitchContractOptions): void {
  const { createPeer } = options;
  if (options.capabilities?.crossInstance && !createPeer) {
    throw new Error(`runKillSwitchContract(${options.name}): crossInstance needs createPeer`);
  }
  describe(`KillSwitch contract: ${options.name}`, () => {
    const created = useSubject(options);
    const freshStateUnknown = options.capabilities?.freshStateUnknown ?? false;
    const subject = freshStateUnknown ? released(created) : created;
    if (freshStateUnknown) describe('fresh state unknown', () => registerKillSwitchFreshStateUnknown(created));
    describe('basics', () => registerKillSwitchBasics(subject));
    describe('getState', () => registerKillSwitchState(subject));
    describe('changes', () => registerKillSwitchChanges(subject));
    describe('onChange', () => registerKillSwitchNotifications(subject));
    describe('invalid input', () => registerKillSwitchInvalidInput(subject));
    if (options.capabilities?.crossInstance && createPeer) {
      describe('cross-instance', () => registerKillSwitchCrossInstance(subject, createPeer));
    }
  });
}
