/**
 * The vitest configuration Stryker runs, flat (no projects, no `extends`): the repository's
 * shared config does not load inside Stryker's sandbox. Workspace packages are aliased to the
 * sources beside this file, so the tests import the sandbox's mutated copies instead of
 * following pnpm's symlinks back to the original checkout.
 */
import { fileURLToPath } from 'node:url';
import type { ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const packageFile = (path: string): string => fileURLToPath(new URL(`../packages/${path}`, import.meta.url));
const source = (pkg: string): string => packageFile(`${pkg}/src/index.ts`);

const WORKSPACE_PACKAGES = ['core', 'stubs', 'approvals', 'secrets-env', 'contract-tests', 'gateway'];

/** A flat vitest config over `include` (paths relative to the repository root). */
export function flatMutationConfig(include: string[]): ViteUserConfig {
  return {
    root,
    resolve: {
      alias: [
        ...WORKSPACE_PACKAGES.map((pkg) => ({ find: new RegExp(`^@warden/${pkg}$`), replacement: source(pkg) })),
        // The state machine's entry point, which the stubs and the approvals import by name.
        { find: /^@warden\/core\/approval$/, replacement: packageFile('core/src/approval/index.ts') },
        // The policy helpers' entry point (globs, session access), for the same reason.
        { find: /^@warden\/core\/policy$/, replacement: packageFile('core/src/policy/index.ts') },
      ],
      conditions: ['warden-source', 'module', 'node', 'development|production'],
    },
    test: {
      include,
      exclude: ['**/node_modules/**', '**/dist/**', '**/*.integration.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}
