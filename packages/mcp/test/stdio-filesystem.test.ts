import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDirect, connectThroughWarden, deniedCode, filesystemServer, writeConfig } from './helpers.js';

// The server itself may read the whole sandbox directory; Warden confines callers to `docs`.
const sandbox = realpathSync(mkdtempSync(path.join(tmpdir(), 'warden-mcp-fs-')));
const docs = path.join(sandbox, 'docs');
mkdirSync(docs);
writeFileSync(path.join(docs, 'readme.txt'), 'public notes\n');
writeFileSync(path.join(sandbox, 'secret.txt'), 'TOP SECRET\n');
mkdirSync(path.join(docs, '%2e%2e'));
writeFileSync(path.join(docs, '%2e%2e', 'secret.txt'), 'decoy inside the root\n');
symlinkSync(path.join(sandbox, 'secret.txt'), path.join(docs, 'innocent.txt'));
symlinkSync(sandbox, path.join(docs, 'up'));

const server = [process.execPath, filesystemServer, sandbox];
const pathRule = { kind: 'path' as const, roots: [docs] };

describe('stdio wrapper in front of server-filesystem, driven by the SDK client', () => {
  let direct: Client;
  let proxied: Client;
  beforeAll(async () => {
    direct = await connectDirect(server);
    proxied = await connectThroughWarden(
      writeConfig({
        upstreams: { fs: { command: server } },
        security: {
          unmappedTools: 'allow',
          defaultAccess: ['*'],
          sessions: { fs: { tools: { deny: ['write_file', 'edit_file', 'move_file', 'create_directory'] } } },
        },
        pinning: { mode: 'enforce', trustOnFirstUse: true },
        tools: {
          'fs/*': { arguments: { path: pathRule, 'paths.*': pathRule, source: pathRule, destination: pathRule } },
        },
      }),
      server,
    );
  });
  afterAll(async () => {
    await direct?.close();
    await proxied?.close();
  });

  it('read_file inside the root returns exactly what the server returns directly', async () => {
    const args = { path: path.join(docs, 'readme.txt') };
    expect(await proxied.callTool({ name: 'read_text_file', arguments: args })).toEqual(
      await direct.callTool({ name: 'read_text_file', arguments: args }),
    );
    expect(await proxied.callTool({ name: 'read_file', arguments: args })).toEqual(
      await direct.callTool({ name: 'read_file', arguments: args }),
    );
  });

  it('write tools are absent from tools/list and refused', async () => {
    const names = (await proxied.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('read_text_file');
    expect(names).not.toContain('write_file');
    const error = await proxied
      .callTool({ name: 'write_file', arguments: { path: path.join(docs, 'x'), content: 'x' } })
      .catch((caught: unknown) => caught);
    expect(deniedCode(error)).toBe('TOOL_DENIED');
  });

  it.each([
    ['..', () => `${docs}/../secret.txt`],
    ['percent-encoded ..', () => `${docs}/%2e%2e/secret.txt`],
    ['upper-case percent-encoding', () => `${docs}/%2E%2E/secret.txt`],
    ['double percent-encoding', () => `${docs}/%252e%252e/secret.txt`],
    ['a symlinked file pointing out', () => `${docs}/innocent.txt`],
    ['a symlinked directory pointing out', () => `${docs}/up/secret.txt`],
    ['a file: URI', () => `file://${sandbox}/secret.txt`],
    ['a relative path', () => '../secret.txt'],
    ['a sibling sharing the root as prefix', () => `${docs}-evil/secret.txt`],
    ['an absolute path outside', () => `${sandbox}/secret.txt`],
  ])(
    'an agent reading outside the root with %s is refused (the server alone would allow it)',
    async (_what, attack) => {
      for (const tool of ['read_file', 'read_text_file']) {
        const error = await proxied
          .callTool({ name: tool, arguments: { path: attack() } })
          .catch((caught: unknown) => caught);
        expect(deniedCode(error)).toBe('ARGUMENT_DENIED');
      }
    },
  );

  it('the server alone would have served the secret (the root is Warden’s, not the server’s)', async () => {
    const result = await direct.callTool({
      name: 'read_text_file',
      arguments: { path: path.join(sandbox, 'secret.txt') },
    });
    expect(JSON.stringify(result)).toContain('TOP SECRET');
  });

  it('read_multiple_files is checked item by item', async () => {
    const error = await proxied
      .callTool({
        name: 'read_multiple_files',
        arguments: { paths: [path.join(docs, 'readme.txt'), `${docs}/../secret.txt`] },
      })
      .catch((caught: unknown) => caught);
    expect(deniedCode(error)).toBe('ARGUMENT_DENIED');
  });
});
