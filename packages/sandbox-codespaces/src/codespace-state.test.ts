import { loadGitHubOpenApiDocument } from '@warden/github-fake';
import { describe, expect, it } from 'vitest';
import { CODESPACE_STATE_MAP, toSandboxState } from './codespace-state.js';

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

describe('CODESPACE_STATE_MAP', () => {
  it("maps exactly the states GitHub's OpenAPI description lists for a codespace", () => {
    const codespace = loadGitHubOpenApiDocument().components.schemas?.codespace as {
      properties: { state: { enum: string[] } };
    };
    expect(Object.keys(CODESPACE_STATE_MAP).sort()).toEqual([...codespace.properties.state.enum].sort());
  });
});
