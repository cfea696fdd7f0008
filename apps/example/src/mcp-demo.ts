// The MCP part of `pnpm demo`: an agent's tool calls through Warden — a filtered tool list, a
// denied argument, an approval round-trip and the kill switch stopping MCP calls.
import { join } from 'node:path';
import type { ApprovalWorkflow, KillSwitch, SecurityEventEmitter } from '@warden/core';
import { type McpAnswer, startMcpTools } from './mcp-tools.js';

/** What the MCP demo uses from the running host. */
export interface McpDemoConfig {
  /** The host's kill switch. */
  killSwitch: KillSwitch;
  /** The host's approval workflow. */
  approvals: ApprovalWorkflow;
  /** The host's security events. */
  events: SecurityEventEmitter;
  /** The operator who approves and flips the kill switch. */
  operator: string;
  /** Where each line goes. */
  log: (line: string) => void;
}

const describe = (answer: McpAnswer): string => {
  if ('denied' in answer) return `denied ${answer.denied.code}: ${answer.denied.reason}`;
  const content = answer.result.content as Array<{ text?: string }> | undefined;
  return `ok: ${JSON.stringify(content?.[0]?.text ?? answer.result).slice(0, 80)}`;
};

/** Plays the MCP steps; throws when Warden does not decide as the demo expects. */
export async function runMcpDemo(config: McpDemoConfig): Promise<void> {
  const { log } = config;
  const agent = 'agent-docs';
  const tools = await startMcpTools({ ...config, agent });
  const call = (name: string, args: Record<string, unknown>) => tools.request('tools/call', { name, arguments: args });
  const expectCode = (answer: McpAnswer, code: string) => {
    const got = 'denied' in answer ? answer.denied.code : 'OK';
    if (got !== code) throw new Error(`expected ${code}, got ${got}`);
  };
  try {
    log('\nMCP. The agent reaches its tools (server-filesystem from npm) only through @warden/mcp');
    const listed = await tools.request('tools/list', {});
    const names = 'result' in listed ? (listed.result.tools as Array<{ name: string }>).map((tool) => tool.name) : [];
    log(`   ${agent}: tools/list → ${names.length} tools (move_file, create_directory, edit_file filtered out)`);
    if (names.includes('move_file')) throw new Error('move_file should be filtered');
    const notes = join(tools.docs, 'notes.txt');
    const inside = await call('read_text_file', { path: notes });
    log(`   ${agent}: read_text_file docs/notes.txt → ${describe(inside)}`);
    expectCode(inside, 'OK');
    const outside = await call('read_text_file', { path: join(tools.docs, '..', 'credentials.txt') });
    log(`   ${agent}: read_text_file docs/../credentials.txt → ${describe(outside)}`);
    expectCode(outside, 'ARGUMENT_DENIED');
    const args = { path: join(tools.docs, 'summary.txt'), content: 'summary by the agent\n' };
    const held = await call('write_file', args);
    log(`   ${agent}: write_file docs/summary.txt → ${describe(held)}`);
    expectCode(held, 'APPROVAL_REQUIRED');
    const approvalId = 'denied' in held ? (held.denied.approvalId ?? '') : '';
    await config.approvals.approve(approvalId, config.operator);
    log(`   operator ${config.operator}: approve(${approvalId.slice(0, 8)}…)`);
    const retried = await call('write_file', args);
    log(`   ${agent}: the same write_file again → ${describe(retried)}`);
    expectCode(retried, 'OK');
    await config.killSwitch.activate('MCP demo: stop every tool call', { actor: config.operator });
    const stopped = await call('read_text_file', { path: notes });
    log(`   operator ${config.operator}: kill switch ON; ${agent}: read_text_file → ${describe(stopped)}`);
    expectCode(stopped, 'KILL_SWITCH_ACTIVE');
    await config.killSwitch.deactivate({ actor: config.operator });
    log(`   operator ${config.operator}: kill switch released`);
  } finally {
    await tools.close();
  }
}
