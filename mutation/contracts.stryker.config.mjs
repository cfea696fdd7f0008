// `pnpm mutation:contracts`: mutates the in-memory implementations and runs only their contract
// suites, so the score is what a suite catches in a backend that gets nothing else.
import { mutationConfig } from './stryker.shared.mjs';

export default mutationConfig({
  name: 'contracts',
  vitestConfig: 'mutation/vitest.contracts.config.ts',
  mutate: [
    'packages/stubs/src/*.ts',
    '!packages/stubs/src/index.ts',
    'packages/secrets-env/src/env-secret-store.ts',
    'packages/secrets-env/src/env-secret-name.ts',
    'packages/approvals/src/memory-approval-store.ts',
    'packages/core/src/approval/transitions.ts',
    'packages/gateway/src/memory-rate-limiter.ts',
    '!**/*.test.ts',
  ],
});
