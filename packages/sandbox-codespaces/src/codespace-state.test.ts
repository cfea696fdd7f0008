import { describe, expect, it } from 'vitest';
import { toSandboxState } from './codespace-state.js';

describe('toSandboxState(state)', () => {
  it('maps GitHub\'s "Shutdown" (not "ShutDown") to stopped', () => {
    expect(toSandboxState('Shutdown')).toBe('stopped');
    expect(toSandboxState('ShutDown')).toBe('error');
  });

  it('maps Available to running and the provisioning states to creating', () => {
    expect(toSandboxState('Available')).toBe('running');
    for (const state of ['Queued', 'Provisioning', 'Starting']) expect(toSandboxState(state)).toBe('creating');
  });

  it('maps an unknown future state to error, never running', () => {
    expect(toSandboxState('Hibernating')).toBe('error');
    expect(toSandboxState('__proto__')).toBe('error');
  });
});
