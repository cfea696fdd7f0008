import { runSandboxContract } from '@warden/contract-tests';
import { describeWithService } from '@warden/testing';
import { TEST_IMAGE, uniqueOwner } from '../test/docker-test-support.js';
import { createDockerClient } from './docker-client.js';
import { createDockerSandbox } from './docker-sandbox.js';

describeWithService('docker', 'Docker sandbox on the real engine', (dockerHost) => {
  const docker = createDockerClient(dockerHost);
  // Both ways of running commands honour the whole contract: the supervisor (the default) and
  // the Engine-API exec fallback.
  for (const fastExec of [true, false]) {
    runSandboxContract({
      name: fastExec ? 'docker' : 'docker (fastExec: false)',
      createSubject: async () => {
        const subject = createDockerSandbox({ docker, image: TEST_IMAGE, ownerId: uniqueOwner('contract'), fastExec });
        return { subject, cleanup: () => subject.close() };
      },
      // This engine has only the `none` and `host` networks: 'full' and 'egress-only' are refused.
      capabilities: { networkPolicies: ['none'] },
      testTimeoutMs: 60_000,
    });
  }
});
