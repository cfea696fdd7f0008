import type { ViteUserConfig } from 'vitest/config';
import { flatMutationConfig } from './vitest.shared-flat.ts';

/** Core's unit tests of its decision code (property tests left out: too slow to run per mutant). */
const config: ViteUserConfig = flatMutationConfig([
  'packages/core/src/policy/*.test.ts',
  'packages/core/src/approval-*.test.ts',
  'packages/core/src/payload-digest.test.ts',
  'packages/core/src/algebra/*.test.ts',
  'packages/core/src/security-engine.test.ts',
  'packages/core/src/security-engine-access.test.ts',
  'packages/core/src/capability-check.test.ts',
  'packages/core/src/seed-examples.test.ts',
]);
export default config;
