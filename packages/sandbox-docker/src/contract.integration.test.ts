import { runSandboxContract } from '@warden/contract-tests';
import { describeWithService } from '@warden/testing';
import { sandboxRuntimes, TEST_IMAGE, uniqueOwner } from '../test/docker-test-support.js';
import { createDockerClient } from './docker-client.js';
import { createDockerSandbox } from './docker-sandbox.js';

describeWithService('docker', 'Docker sandbox on the real engine', (dockerHost) => {
  const docker = createDockerClient(dockerHost);
  // Both ways of running commands honour the whole contract under runc: the supervisor (the
  // default) and the Engine-API exec fallback; under gVisor (runsc) the supervisor does too.
  for (const runtime of sandboxRuntimes()) {
    for (const fastExec of runtime === 'runc' ? [true, false] : [true]) {
      runSandboxContract({
        name: `docker (${runtime}${fastExec ? '' : ', fastExec: false'})`,
        createSubject: async () => {
          const subject = createDockerSandbox({
            docker,
            image: TEST_IMAGE,
            ownerId: uniqueOwner('contract'),
            fastExec,
            runtime,
          });
          return { subject, cleanup: () => subject.close() };
        },
        // This engine has only the `none` and `host` networks: 'full' and 'egress-only' are refused.
        capabilities: { networkPolicies: ['none'] },
        testTimeoutMs: 120_000,
      });
    }
  }
});
