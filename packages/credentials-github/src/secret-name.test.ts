import { describe, expect, it } from 'vitest';
import { isValidGitHubSecretName } from './secret-name.js';

describe('isValidGitHubSecretName(name)', () => {
  it('accepts letters, digits and underscores not starting with a digit', () => {
    expect(isValidGitHubSecretName('WARDEN_JIT_0A1B')).toBe(true);
    expect(isValidGitHubSecretName('_x1')).toBe(true);
  });

  it('rejects names the reference implementation produced: dashes, leading digits, GITHUB_ prefix', () => {
    expect(isValidGitHubSecretName('warden-jit-1')).toBe(false);
    expect(isValidGitHubSecretName('1TOKEN')).toBe(false);
    expect(isValidGitHubSecretName('GITHUB_TOKEN')).toBe(false);
    expect(isValidGitHubSecretName('github_x')).toBe(false);
    expect(isValidGitHubSecretName('')).toBe(false);
  });
});
