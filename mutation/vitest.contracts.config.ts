import type { ViteUserConfig } from 'vitest/config';
import { flatMutationConfig } from './vitest.shared-flat.ts';

/** Only the contract suites: the score says what the suites alone catch in an implementation. */
const config: ViteUserConfig = flatMutationConfig([
  'packages/stubs/src/contract.test.ts',
  'packages/secrets-env/src/contract.test.ts',
  'packages/approvals/src/contract.test.ts',
  'packages/gateway/src/contract.test.ts',
]);
export default config;
