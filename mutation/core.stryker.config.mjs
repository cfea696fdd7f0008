// `pnpm mutation:core`: mutates core's decision code and runs core's unit tests.
import { mutationConfig } from './stryker.shared.mjs';

export default mutationConfig({
  name: 'core',
  vitestConfig: 'mutation/vitest.core.config.ts',
  mutate: [
    'packages/core/src/policy/checks.ts',
    'packages/core/src/policy/glob.ts',
    'packages/core/src/policy/session-access.ts',
    'packages/core/src/policy/tool-policy.ts',
    'packages/core/src/approval/transitions.ts',
    'packages/core/src/approval-tier.ts',
    'packages/core/src/approval/policy.ts',
    'packages/core/src/payload-digest.ts',
    'packages/core/src/algebra/algebra-constraint-plan.ts',
    'packages/core/src/algebra/algebra-constraints.ts',
    'packages/core/src/algebra/algebra-outcomes.ts',
    'packages/core/src/algebra/algebra-wildcards.ts',
  ],
});
