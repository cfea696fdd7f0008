import type { ViteUserConfig } from 'vitest/config';
import { flatMutationConfig } from './vitest.shared-flat.ts';

/**
 * Core's unit tests of its decision code. Property tests (hundreds of runs per test) and the
 * algebra's lifecycle, snapshot and attestation suites are left out: run per mutant they make a
 * run take hours on a small machine, and the decision code's own tests cover what they decide.
 */
const config: ViteUserConfig = flatMutationConfig([
  'packages/core/src/policy/*.test.ts',
  'packages/core/src/approval-*.test.ts',
  'packages/core/src/approval/*.test.ts',
  'packages/core/src/payload-digest.test.ts',
  'packages/core/src/algebra/algebra-check.test.ts',
  'packages/core/src/algebra/algebra-decisions.test.ts',
  'packages/core/src/security-engine.test.ts',
  'packages/core/src/security-engine-access.test.ts',
  'packages/core/src/capability-check.test.ts',
  'packages/core/src/seed-examples.test.ts',
]);
export default config;
