// The host's agents reach their MCP tools only through Warden: `@warden/mcp`'s stdio wrapper in
// front of `@modelcontextprotocol/server-filesystem`, sharing the host's kill switch, approval
// workflow and audit trail. `runMcpDemo` plays the MCP part of `pnpm demo`.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ApprovalWorkflow, KillSwitch, SecurityEventEmitter } from '@warden/core';
import { createMcpEnforcer, runStdioProxy, type StdioProxy, type WardenMcpConfigInput } from '@warden/mcp';

/** What the agents' MCP tools share with the host. */
export interface McpToolsConfig {
  /** The host's kill switch: turning it on stops every MCP call. */
  killSwitch: KillSwitch;
  /** The host's approval workflow: held MCP calls wait here for an operator. */
  approvals: ApprovalWorkflow;
  /** The host's security events (and so its audit log). */
  events: SecurityEventEmitter;
  /** The agent calling the tools (a caller in the Warden MCP configuration). */
  agent: string;
}

/** One answer from the proxy: a result, or a Warden denial. */
export type McpAnswer =
  | { result: Record<string, unknown> }
  | { denied: { code: string; reason: string; approvalId?: string } };

/** An MCP client connection through Warden. */
export interface McpTools {
  /** The directory the agent's files live in (the server sees its parent; Warden confines calls to it). */
  readonly docs: string;
  /** Sends one request and waits for its answer. */
  request(method: string, params: Record<string, unknown>): Promise<McpAnswer>;
  /** Stops the server and removes the directory. */
  close(): Promise<void>;
}

const filesystemServer = createRequire(import.meta.url).resolve(
  '@modelcontextprotocol/server-filesystem/dist/index.js',
);

function mcpConfig(agent: string, sandbox: string, docs: string): WardenMcpConfigInput {
  const inDocs = { kind: 'path' as const, roots: [docs] };
  return {
    upstreams: { files: { command: [process.execPath, filesystemServer, sandbox] } },
    callers: { [agent]: { type: 'plugin' } },
    defaultCaller: agent,
    security: {
      unmappedTools: 'allow',
      defaultAccess: ['*'],
      sessions: { files: { tools: { deny: ['move_file', 'create_directory', 'edit_file'] } } },
    },
    tools: {
      'files/*': { arguments: { path: inDocs, 'paths.*': inDocs, source: inDocs, destination: inDocs } },
      'files/write_file': { approval: 'peer-review' },
    },
    pinning: { mode: 'enforce', trustOnFirstUse: true },
  };
}

/** Starts server-filesystem behind Warden's stdio wrapper and connects to it as `config.agent`. */
export async function startMcpTools(config: McpToolsConfig): Promise<McpTools> {
  const sandbox = realpathSync(mkdtempSync(join(tmpdir(), 'warden-mcp-demo-')));
  const docs = join(sandbox, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'notes.txt'), 'release notes for v1\n');
  writeFileSync(join(sandbox, 'credentials.txt'), 'AWS_SECRET=not-for-agents\n');
  const enforcer = createMcpEnforcer({
    config: mcpConfig(config.agent, sandbox, docs),
    killSwitch: config.killSwitch,
    approvals: config.approvals,
    events: config.events,
  });
  const toProxy = new PassThrough();
  const fromProxy = new PassThrough();
  const proxy: StdioProxy = runStdioProxy({
    enforcer,
    upstream: 'files',
    command: [process.execPath, filesystemServer, sandbox],
    input: toProxy,
    output: fromProxy,
  });
  const waiting = new Map<number, (message: Record<string, unknown>) => void>();
  let buffered = '';
  fromProxy.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, end)) as Record<string, unknown>;
      buffered = buffered.slice(end + 1);
      waiting.get(message.id as number)?.(message);
      waiting.delete(message.id as number);
    }
  });
  let nextId = 0;
  const request = (method: string, params: Record<string, unknown>): Promise<McpAnswer> => {
    nextId += 1;
    const id = nextId;
    const answered = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, resolve));
    toProxy.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    return answered.then(toAnswer);
  };
  await request('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'warden-example-agent', version: '1.0.0' },
  });
  toProxy.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  return {
    docs,
    request,
    async close() {
      toProxy.end();
      proxy.close();
      await proxy.done;
      rmSync(sandbox, { recursive: true, force: true });
    },
  };
}

function toAnswer(message: Record<string, unknown>): McpAnswer {
  const error = message.error as
    | { message?: string; data?: { warden?: { code: string; reason: string; approvalId?: string } } }
    | undefined;
  if (error) return { denied: error.data?.warden ?? { code: 'ERROR', reason: String(error.message) } };
  return { result: (message.result ?? {}) as Record<string, unknown> };
}
