import { afterEach, describe, expect, it } from 'vitest';
import { parseRedisKillSwitchConfig } from './redis-kill-switch-config.js';

// Another library in the process set fields on Object.prototype (prototype pollution). A switch
// created without those settings must not take them: `failMode: 'open'` would answer from a stale
// copy while Redis is unreachable.
const polluted = Object.prototype as Record<string, unknown>;
afterEach(() => {
  delete polluted.failMode;
});

describe('createRedisKillSwitch(config) reads only the settings it was given', () => {
  it("keeps failing closed under Object.prototype.failMode = 'open'", () => {
    polluted.failMode = 'open';
    const parsed = parseRedisKillSwitchConfig({ url: 'redis://127.0.0.1:6379', name: 'polluted' });
    expect(parsed.failMode).toBe('closed');
  });
});
