// `pnpm mutation:contracts`: mutates the in-memory implementations and runs only their contract
// suites, so the score is what a suite catches in a backend that gets nothing else.
import { fileURLToPath } from 'node:url';
import { mutationConfig } from './stryker.shared.mjs';

export default mutationConfig({
  name: 'contracts',
  vitestConfig: 'mutation/vitest.contracts.config.ts',
  // Leaves unmutated what no port method reveals (error texts, events, call records, factory
  // settings), each with its reason in the report: see contract-ignorers.mjs.
  ignorerPlugins: [fileURLToPath(new URL('./contract-ignorers.mjs', import.meta.url))],
  ignorers: ['warden-contract'],
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
