import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from './github-client.js';
import { ownSettings } from './github-settings.js';

// Another library in the process set a field on Object.prototype (prototype pollution).
const polluted = Object.prototype as Record<string, unknown>;
afterEach(() => {
  delete polluted.baseUrl;
});

describe('settings a caller did not give are unset, never read from Object.prototype', () => {
  it('createGitHubClient sends the token to GitHub, not to an Object.prototype.baseUrl', () => {
    polluted.baseUrl = 'https://attacker.example';
    const client = createGitHubClient({ userAgent: 'warden-test', auth: 'ghs_token' });
    expect(client.request.endpoint.DEFAULTS.baseUrl).toBe('https://api.github.com');
  });

  it('ownSettings keeps own fields and reads nothing inherited', () => {
    polluted.baseUrl = 'https://attacker.example';
    const settings = ownSettings({ retries: 2 } as { retries?: number; baseUrl?: string });
    expect(settings.retries).toBe(2);
    expect(settings.baseUrl).toBeUndefined();
  });
});
