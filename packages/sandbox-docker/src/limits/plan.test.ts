import { describe, expect, it } from 'vitest';
import { assertWithinCeilings, configurationHash, planConstraints } from './plan.js';
import { resolveDockerSandboxSettings } from './settings.js';

const settings = resolveDockerSandboxSettings({
  defaults: { maxMemoryMb: 256, env: { FROM_DEFAULTS: 'yes' } },
  allowCredentialEnv: ['GITHUB_TOKEN'],
});

describe('planConstraints(constraints, settings)', () => {
  it('fills gaps from settings.defaults, then from the built-in semi-trusted limits', () => {
    expect(planConstraints({ maxPids: 20, env: { MODE: 'x' } }, settings)).toEqual({
      maxMemoryMb: 256,
      maxCpuPercent: 50,
      maxPids: 20,
      networkPolicy: 'none',
      timeoutMs: 300_000,
      env: { FROM_DEFAULTS: 'yes', MODE: 'x' },
    });
  });

  it('drops credential-looking variables that are not allowed', () => {
    const planned = planConstraints({ env: { GITHUB_TOKEN: 'allowed', NPM_TOKEN: 'no', AWS_PROFILE: 'no' } }, settings);
    expect(planned.env).toEqual({ FROM_DEFAULTS: 'yes', GITHUB_TOKEN: 'allowed' });
  });

  it.each([
    ['null', null],
    ['privileged: true', { privileged: true }],
    ['an env key with "="', { env: { 'A=B': 'x' } }],
  ])('throws INVALID_INPUT for %s', (_label, constraints) => {
    expect(() => planConstraints(constraints, settings)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('assertWithinCeilings(constraints, ceilings)', () => {
  const ceilings = { maxMemoryMb: 1024, maxCpuPercent: 200, maxPids: 500 };

  it('accepts limits at the ceilings and refuses limits above them with INVALID_INPUT naming each field', () => {
    const base = { maxMemoryMb: 1024, maxCpuPercent: 200, maxPids: 500, networkPolicy: 'none', timeoutMs: 1 } as const;
    expect(() => assertWithinCeilings(base, ceilings)).not.toThrow();
    expect(() => assertWithinCeilings({ ...base, maxMemoryMb: 1025, maxPids: 501 }, ceilings)).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        issues: [expect.objectContaining({ path: 'maxMemoryMb' }), expect.objectContaining({ path: 'maxPids' })],
      }),
    );
  });
});

describe('configurationHash(constraints, network, settings)', () => {
  const network = { networkMode: 'none', adapterEnv: {} };

  it('holds nothing computed from environment values: a reader of the label cannot confirm a guessed value', () => {
    // The attack: whoever can list containers reads dev.warden.config-hash and hashes guesses of a
    // short secret (a PIN, a password the caller allowed) until one matches.
    const withSecret = configurationHash(planConstraints({ env: { LOGIN_PIN: '4711' } }, settings), network, settings);
    const guesses = ['0000', '1234', '4711', '9999'].map((pin) =>
      configurationHash(planConstraints({ env: { LOGIN_PIN: pin } }, settings), network, settings),
    );
    expect(new Set([withSecret, ...guesses]).size).toBe(1);
    // A limit that shapes the container still tells configurations apart.
    expect(configurationHash(planConstraints({ maxPids: 7 }, settings), network, settings)).not.toBe(withSecret);
  });
});
