import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

// The attacker here is a compromised agent choosing the sandbox id it passes to getStatus,
// execute and destroy. An id becomes a path segment of GitHub's API; `.` and `..` are segments
// URLs resolve away, so `GET /user/codespaces/..` is sent as `GET /user/`.

let fixture: SandboxFixture;

beforeEach(async () => {
  fixture = await startSandboxFixture();
});

afterEach(async () => {
  await fixture.dispose();
});

describe('sandbox ids that are dot segments', () => {
  for (const id of ['.', '..']) {
    it(`getStatus, execute and destroy of "${id}" reach no other GitHub endpoint: SANDBOX_NOT_FOUND, destroy resolves`, async () => {
      const sandbox = fixture.createSandbox();
      await expect(sandbox.getStatus(id)).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
      await expect(sandbox.execute(id, 'true')).rejects.toMatchObject({ code: 'SANDBOX_NOT_FOUND' });
      await expect(sandbox.destroy(id)).resolves.toBeUndefined();
      expect(fixture.fake.takeViolations()).toEqual([]);
      expect(fixture.fake.requests.map((request) => request.path)).toEqual([]);
      expect(await fixture.gh.calls()).toEqual([]);
    });
  }
});
