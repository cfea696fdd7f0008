import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import { runScenario } from './scenario.js';

describe('runScenario(narrate)', () => {
  it('narrates every step and leaves the kill switch released', async () => {
    const lines: string[] = [];
    const killSwitch = createStubKillSwitch();
    expect(await runScenario((line) => lines.push(line), killSwitch)).toBe(4);
    expect(lines[2]).toContain('KILL_SWITCH_ACTIVE');
    expect(await killSwitch.isActive()).toBe(false);
  });
});
