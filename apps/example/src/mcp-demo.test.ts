import { createApprovalWorkflow } from '@warden/approvals';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';
import { describe, expect, it } from 'vitest';
import { runMcpDemo } from './mcp-demo.js';

describe('the MCP part of the demo: the agent tools go through @warden/mcp', () => {
  it('filters the tool list, denies a path escape, holds a write until approved, and stops at the kill switch', async () => {
    const lines: string[] = [];
    const events = createSecurityEventEmitter();
    const seen: SecurityEvent[] = [];
    events.on('security', (event) => seen.push(event));
    await runMcpDemo({
      killSwitch: createStubKillSwitch(),
      approvals: createApprovalWorkflow({ events }),
      events,
      operator: 'alice',
      log: (line) => lines.push(line),
    });
    const output = lines.join('\n');
    expect(output).toContain('denied ARGUMENT_DENIED');
    expect(output).toContain('denied APPROVAL_REQUIRED');
    expect(output).toContain('the same write_file again → ok');
    expect(output).toContain('denied KILL_SWITCH_ACTIVE');
    expect(seen.map((event) => event.details.mcp)).toEqual(
      expect.arrayContaining(['denied', 'held', 'approved', 'executed']),
    );
  }, 120_000);
});
