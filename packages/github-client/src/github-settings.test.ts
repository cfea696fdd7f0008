import { InvalidInputError, parseInput } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gitHubClientSettingsSchema, gitHubNameSchema, requireOctokitOrToken } from './github-settings.js';

/** The InvalidInputError `action` throws, or a failure when it throws nothing. */
function invalidInputOf(action: () => unknown): InvalidInputError {
  try {
    action();
  } catch (error) {
    if (InvalidInputError.isInstance(error)) return error;
    throw error;
  }
  return expect.unreachable('expected INVALID_INPUT');
}

describe('gitHubClientSettingsSchema', () => {
  const parse = (settings: unknown) => parseInput(gitHubClientSettingsSchema, settings, 'GitHub client settings');

  it('accepts no settings, and every setting within its bounds', () => {
    expect(parse({})).toEqual({});
    const settings = {
      baseUrl: 'http://127.0.0.1:8080/api/v3',
      retries: 10,
      retryDelayUnitMs: 60_000,
      maxRateLimitWaitMs: 3_600_000,
      minWriteIntervalMs: 0,
    };
    expect(parse(settings)).toEqual(settings);
    expect(parse({ retries: 0, retryDelayUnitMs: 1, maxRateLimitWaitMs: 0, minWriteIntervalMs: 60_000 })).toBeTruthy();
  });

  it.each([
    ['baseUrl', 'ftp://example.com'],
    ['baseUrl', 'not a url'],
    ['retries', -1],
    ['retries', 11],
    ['retries', 1.5],
    ['retryDelayUnitMs', 0],
    ['retryDelayUnitMs', 60_001],
    ['maxRateLimitWaitMs', -1],
    ['maxRateLimitWaitMs', 3_600_001],
    ['minWriteIntervalMs', -1],
    ['minWriteIntervalMs', 60_001],
    ['minWriteIntervalMs', '1000'],
  ])('refuses %s: %j with INVALID_INPUT naming the field', (field, value) => {
    expect(invalidInputOf(() => parse({ [field]: value })).message).toContain(field);
  });
});

describe('gitHubNameSchema', () => {
  it.each(['octo-org', 'warden', 'my_repo.js', 'A1', 'a'.repeat(100)])('accepts %s', (name) => {
    expect(gitHubNameSchema.parse(name)).toBe(name);
  });

  it.each(['', 'a'.repeat(101), 'octo/repo', 'repo name', '../etc', 'répo', 'repo\n'])('refuses %j', (name) => {
    expect(gitHubNameSchema.safeParse(name).error?.issues[0]?.message).toBe(
      'must be a GitHub owner or repository name',
    );
  });
});

// The attacker here supplies an owner or repository name (a tenant's setting): `.` and `..` are
// path segments a URL resolves away, so `repo: '..'` would turn
// `/repos/my-org/../actions/secrets/NAME` into `/repos/actions/secrets/NAME`, another repository.
describe('gitHubNameSchema and dot segments', () => {
  it.each(['.', '..'])('refuses %j, which a URL resolves into another repository', (name) => {
    expect(gitHubNameSchema.safeParse(name).success).toBe(false);
  });
});

describe('requireOctokitOrToken(schema)', () => {
  const schema = requireOctokitOrToken(z.object({ octokit: z.unknown().optional(), token: z.string().optional() }));
  const parse = (settings: unknown) => parseInput(schema, settings, 'settings');

  it('accepts an octokit alone or a token alone', () => {
    expect(parse({ token: 'ghp_x' })).toEqual({ token: 'ghp_x' });
    const octokit = { request: async () => ({}) };
    expect(parse({ octokit })).toEqual({ octokit });
  });

  it.each([
    ['neither', {}],
    ['both', { octokit: { request: async () => ({}) }, token: 'ghp_x' }],
  ])('refuses %s with INVALID_INPUT on octokit', (_label, settings) => {
    const error = invalidInputOf(() => parse(settings));
    expect(error.issues).toEqual([
      expect.objectContaining({ path: 'octokit', message: 'give exactly one of octokit or token' }),
    ]);
  });
});
