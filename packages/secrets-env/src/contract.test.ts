import { runSecretStoreContract } from '@warden/contract-tests';
import { createEnvSecretStore } from './env-secret-store.js';

runSecretStoreContract({
  name: 'env',
  createSubject: async () => ({ subject: createEnvSecretStore({ env: {} }), cleanup: async () => {} }),
});

runSecretStoreContract({
  name: 'env with a prefix, beside unrelated variables',
  createSubject: async () => {
    const env: Record<string, string> = { PATH: '/usr/bin', GITHUB_TOKEN: 'unprefixed', OTHER_VARIABLE: 'x' };
    return { subject: createEnvSecretStore({ prefix: 'WARDEN_TEST_', env }), cleanup: async () => {} };
  },
});
