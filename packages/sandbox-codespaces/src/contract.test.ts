import { runSandboxContract } from '@warden/contract-tests';
import { startSandboxFixture } from './test-support/sandbox-fixture.js';

// The REST side runs against the GitHub test server, which validates every request and response
// against GitHub's OpenAPI description (cleanup fails the test on any violation). Commands run
// through the real `gh codespace ssh` transport against a fake `gh` that plays the codespace's
// side with /bin/sh in a session of its own and a private /tmp per codespace (a mount namespace,
// which needs root or user namespaces, as on Warden's build machines).
runSandboxContract({
  name: 'github-codespaces',
  capabilities: {
    // A codespace is a whole VM: no pid limit, and no machine as small as the suite's limits.
    resourceLimits: false,
    // A codespace always has full network access; 'none' and 'egress-only' are refused.
    networkPolicies: ['full'],
  },
  testTimeoutMs: 120_000, // a hang guard: every test spawns processes, slow on a loaded 2-core machine
  createSubject: async () => {
    const fixture = await startSandboxFixture({ isolateTmp: true });
    return { subject: fixture.createSandbox(), cleanup: () => fixture.dispose() };
  },
});
