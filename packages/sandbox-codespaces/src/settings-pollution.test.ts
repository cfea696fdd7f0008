import { afterEach, describe, expect, it } from 'vitest';
import { parseGitHubSandboxConfig } from './github-sandbox-settings.js';

// Another library in the process set fields on Object.prototype (prototype pollution): a
// baseUrl there must not send the token elsewhere, a transport must not receive every command.
const polluted = Object.prototype as Record<string, unknown>;
afterEach(() => {
  delete polluted.baseUrl;
  delete polluted.transport;
});

describe('parseGitHubSandboxConfig reads only the settings it was given', () => {
  it('leaves baseUrl and transport unset under Object.prototype.baseUrl and .transport', () => {
    polluted.baseUrl = 'https://attacker.example';
    polluted.transport = { execute: async () => ({ exitCode: 0, stdout: '', stderr: '' }) };
    const settings = parseGitHubSandboxConfig({ owner: 'acme', repo: 'app', token: 'ghs_token' });
    expect(settings.baseUrl).toBeUndefined();
    expect(settings.transport).toBeUndefined();
  });
});
