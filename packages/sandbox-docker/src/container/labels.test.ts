import { describe, expect, it } from 'vitest';
import { buildSandboxLabels, constraintsFromLabels, hashConfiguration, SANDBOX_LABELS } from './labels.js';

describe('buildSandboxLabels(input)', () => {
  it('records owner, session, time, hash and constraints, never environment values, over the extra labels', () => {
    const labels = buildSandboxLabels({
      ownerId: 'app',
      session: 's1',
      createdAt: '2030-01-01T00:00:00.000Z',
      configHash: 'abc',
      constraints: { maxPids: 5, env: { API_MODE: 'secret-ish' } },
      extra: { team: 'blue' },
    });
    expect(labels).toMatchObject({ team: 'blue', [SANDBOX_LABELS.owner]: 'app', [SANDBOX_LABELS.session]: 's1' });
    expect(constraintsFromLabels(labels)).toEqual({ maxPids: 5, env: { API_MODE: '' } });
    expect(JSON.stringify(labels)).not.toContain('secret-ish');
  });
});

describe('hashConfiguration(configuration)', () => {
  it('is the same for equal configurations whatever the key order, and differs otherwise', () => {
    expect(hashConfiguration({ a: 1, b: { c: 2 } })).toBe(hashConfiguration({ b: { c: 2 }, a: 1 }));
    expect(hashConfiguration({ a: 1 })).not.toBe(hashConfiguration({ a: 2 }));
  });
});

describe('constraintsFromLabels(labels)', () => {
  it('gives {} for a missing or unreadable label', () => {
    expect(constraintsFromLabels(undefined)).toEqual({});
    expect(constraintsFromLabels({ [SANDBOX_LABELS.constraints]: '{not json' })).toEqual({});
  });
});
