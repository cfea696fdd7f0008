import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGhSshTransport } from './gh-ssh-transport.js';
import { type SandboxFixture, startSandboxFixture } from './test-support/sandbox-fixture.js';

// The attacker reads logs and serialised objects. What must hold: the token given to the
// sandbox (and so to `gh` as GH_TOKEN) stays out of every string form of the sandbox, the
// transport and what they return or throw.

let fixture: SandboxFixture;

beforeAll(async () => {
  fixture = await startSandboxFixture();
});

afterAll(async () => {
  await fixture.dispose();
});

const forms = (value: unknown): string[] => [
  inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  JSON.stringify(value) ?? '',
  String(value),
];

describe('createGitHubSandbox(config) under inspection', () => {
  it('the sandbox, the gh transport and their results and errors never show the token', async () => {
    const token = fixture.fake.userToken;
    const transport = createGhSshTransport({ token, env: fixture.gh.env });
    const sandbox = fixture.createSandbox({ transport });
    const status = await sandbox.create({ networkPolicy: 'full' });
    const result = await sandbox.execute(status.id, ['echo', 'hi']);
    const missing = await sandbox.getStatus('nonexistent-codespace').catch((error: unknown) => error);
    const refused = await fixture
      .createSandbox({ token: 'ghp_RecognisableTokenTheFakeRefuses', retries: 0 })
      .list()
      .catch((error: unknown) => error);
    for (const form of [sandbox, transport, status, result, missing, refused].flatMap(forms)) {
      expect(form).not.toContain(token);
      expect(form).not.toContain('ghp_RecognisableTokenTheFakeRefuses');
    }
    expect(JSON.stringify(sandbox)).toContain('[redacted]');
    await sandbox.destroy(status.id);
  });
});
