import type { Sandbox } from '@warden/core';
import { describe } from 'vitest';
import type { ContractOptions } from '../types.js';
import { registerSandboxBasics } from './basic.js';
import { registerSandboxConcurrency } from './concurrency.js';
import { registerSandboxErrors } from './errors.js';
import { registerSandboxExecuteShape, registerSandboxExecution } from './execute.js';
import { createSandboxSuite, type SandboxContractCapabilities } from './harness.js';
import { registerSandboxIdentity } from './identity.js';
import { registerSandboxLimits } from './limits.js';
import { registerSandboxNetwork } from './network.js';
import { registerSandboxScriptedOutput, type ScriptSandboxOutput } from './scripted-output.js';

/** Options of {@link runSandboxContract}. */
export interface SandboxContractOptions extends ContractOptions<Sandbox, SandboxContractCapabilities> {
  /**
   * For a backend that runs nothing (`realExecution: false`) but scripts its results, like the
   * stub: makes every later `execute` of a subject answer with the given output, so the suite
   * can check that the output cap applies to scripted output too. Without it (and without real
   * execution) the output cap is not tested.
   */
  scriptOutput?: ScriptSandboxOutput;
}

export type { ScriptSandboxOutput } from './scripted-output.js';

/**
 * Runs the `Sandbox` contract suite against a backend.
 *
 * Every test gets a fresh subject from `createSubject`; sandboxes a test creates are destroyed
 * after it, even when it fails, before the subject's own `cleanup` runs. Execution semantics
 * (output, exit codes, timeouts, output caps, isolation) run only with `realExecution` (the
 * default); a scripted backend such as the stub sets it to `false`.
 *
 * @example
 * runSandboxContract({
 *   name: 'docker',
 *   createSubject: async () => ({ subject: createDockerSandbox({ image }), cleanup: async () => {} }),
 *   capabilities: { networkPolicies: ['none'] },
 *   testTimeoutMs: 30_000,
 * });
 */
export function runSandboxContract(options: SandboxContractOptions): void {
  describe(`Sandbox contract: ${options.name}`, () => {
    const suite = createSandboxSuite(options);
    describe('basic', () => registerSandboxBasics(suite));
    describe('identity and copies', () => registerSandboxIdentity(suite));
    describe('execute', () => {
      registerSandboxExecuteShape(suite);
      if (suite.capabilities.realExecution) registerSandboxExecution(suite);
    });
    if (suite.capabilities.realExecution) describe('limits', () => registerSandboxLimits(suite));
    const { scriptOutput } = options;
    if (!suite.capabilities.realExecution && scriptOutput) {
      describe('scripted output', () => registerSandboxScriptedOutput(suite, scriptOutput));
    }
    describe('errors', () => registerSandboxErrors(suite));
    describe('network', () => registerSandboxNetwork(suite));
    describe('concurrency', () => registerSandboxConcurrency(suite));
  });
}

export { DEFAULT_SANDBOX_CAPABILITIES, type SandboxContractCapabilities } from './harness.js';
