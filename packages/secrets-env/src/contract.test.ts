import { runSecretStoreContract, SECRET_STORE_CONTRACT_NAMES } from '@warden/contract-tests';
import { createEnvSecretStore } from './env-secret-store.js';

// Only a prefixed store runs the whole contract: without a prefix the store writes only the
// names it was given, and its protected namespaces (NODE_, GIT_, …) refuse names such as
// `node-optionsx` that the contract expects every store to hold. Its writableNames mode is
// covered by env-secret-store.test.ts and the attack tests.
runSecretStoreContract({
  name: 'env with a prefix, beside unrelated variables',
  createSubject: async () => {
    // Unprefixed variables named like the suite's secrets: a store that falls back to them fails the suite.
    const decoys = Object.values(SECRET_STORE_CONTRACT_NAMES).map((name) => [
      name.toUpperCase().replaceAll('-', '_'),
      'unprefixed-decoy',
    ]);
    const env: Record<string, string | undefined> = {
      PATH: '/usr/bin',
      GITHUB_TOKEN: 'unprefixed',
      OTHER_VARIABLE: 'x',
      ...Object.fromEntries(decoys),
      // Variables under the prefix that hold no secret: empty (never set, for the suite), without
      // a value, not in the canonical spelling, a name every store refuses, a name too long.
      WARDEN_TEST_WARDEN_CONTRACT_NEVER_SET: '',
      WARDEN_TEST_UNSET_DECOY: undefined,
      WARDEN_TEST_Lower_Case_Decoy: 'x',
      WARDEN_TEST_PATH: '/usr/bin',
      [`WARDEN_TEST_${'A'.repeat(129)}`]: 'x',
    };
    return { subject: createEnvSecretStore({ prefix: 'WARDEN_TEST_', env }), cleanup: async () => {} };
  },
});
