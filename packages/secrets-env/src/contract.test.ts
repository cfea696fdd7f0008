import { runSecretStoreContract, SECRET_STORE_CONTRACT_NAMES } from '@warden/contract-tests';
import { createEnvSecretStore } from './env-secret-store.js';

/** Every name the contract writes: with `writableNames` the store writes nothing else. */
const CONTRACT_NAMES = [
  'warden-contract-first',
  'warden-contract-second',
  'warden-contract-never-set',
  ...Array.from({ length: 20 }, (_, index) => `warden-contract-concurrent-${index}`),
];

runSecretStoreContract({
  name: 'env with writableNames and no prefix',
  createSubject: async () => ({
    subject: createEnvSecretStore({ writableNames: CONTRACT_NAMES, env: {} }),
    cleanup: async () => {},
  }),
});

runSecretStoreContract({
  name: 'env with a prefix, beside unrelated variables',
  createSubject: async () => {
    // Unprefixed variables named like the suite's secrets: a store that falls back to them fails the suite.
    const decoys = Object.values(SECRET_STORE_CONTRACT_NAMES).map((name) => [
      name.toUpperCase().replaceAll('-', '_'),
      'unprefixed-decoy',
    ]);
    const env: Record<string, string> = {
      PATH: '/usr/bin',
      GITHUB_TOKEN: 'unprefixed',
      OTHER_VARIABLE: 'x',
      ...Object.fromEntries(decoys),
    };
    return { subject: createEnvSecretStore({ prefix: 'WARDEN_TEST_', env }), cleanup: async () => {} };
  },
});
