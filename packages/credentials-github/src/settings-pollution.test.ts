import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGitHubAppTokenIssuerConfig } from './github-app-token-settings.js';
import { parseGitHubJITConfig } from './github-jit-settings.js';

// Another library in the process set a field on Object.prototype (prototype pollution): a
// baseUrl there must not send an issuer's token to another server.
const polluted = Object.prototype as Record<string, unknown>;
afterEach(() => {
  delete polluted.baseUrl;
});

describe('GitHub issuers read only the settings they were given', () => {
  it('parseGitHubJITConfig leaves baseUrl unset under an Object.prototype.baseUrl', () => {
    polluted.baseUrl = 'https://attacker.example';
    const settings = parseGitHubJITConfig({ owner: 'acme', repo: 'app', token: 'ghs_token' });
    expect(settings.baseUrl).toBeUndefined();
  });

  it('parseGitHubAppTokenIssuerConfig leaves baseUrl unset under an Object.prototype.baseUrl', () => {
    polluted.baseUrl = 'https://attacker.example';
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const settings = parseGitHubAppTokenIssuerConfig({
      appId: 1,
      installationId: 2,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    } as never);
    expect(settings.baseUrl).toBeUndefined();
  });
});
