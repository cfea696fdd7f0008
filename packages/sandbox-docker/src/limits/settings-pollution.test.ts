import { afterEach, describe, expect, it } from 'vitest';
import { resolveDockerSandboxSettings } from './settings.js';

// Another library in the process set a field on Object.prototype (prototype pollution), not
// enumerable, so that strict schemas reading the caller's keys do not refuse everything first.
afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).dockerHost;
});

describe('resolveDockerSandboxSettings reads only the settings it was given', () => {
  it('an Object.prototype.dockerHost does not choose the Docker engine', () => {
    Object.defineProperty(Object.prototype, 'dockerHost', {
      value: 'tcp://attacker.example:2375',
      configurable: true,
      writable: true,
    });
    expect(resolveDockerSandboxSettings({}).dockerHost).toBeUndefined();
  });
});
