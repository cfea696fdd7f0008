import type { KillSwitch } from '@warden/core';
import { describe } from 'vitest';
import { useSubject } from '../subject.js';
import type { ContractOptions } from '../types.js';
import { registerKillSwitchBasics } from './basic.js';

/** Optional behaviour a kill switch backend may declare. */
export interface KillSwitchContractCapabilities {
  /** Changes made by one instance are seen by another instance created by `createSubject`. */
  crossInstance: boolean;
}

/** Runs the `KillSwitch` contract suite against a backend. */
export function runKillSwitchContract(options: ContractOptions<KillSwitch, KillSwitchContractCapabilities>): void {
  describe(`KillSwitch contract: ${options.name}`, () => {
    const subject = useSubject(options);
    registerKillSwitchBasics(subject);
  });
}
