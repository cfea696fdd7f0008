import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadMcpConfigFile, mcpConfigJsonSchema, parseMcpConfig } from './config-file.js';

const schemaPath = fileURLToPath(new URL('../../warden-mcp.schema.json', import.meta.url));

describe('warden-mcp.json', () => {
  it('the published JSON Schema is the one generated from the zod schema (WARDEN_WRITE_SCHEMA=1 rewrites it)', () => {
    const generated = `${JSON.stringify(mcpConfigJsonSchema(), null, 2)}\n`;
    if (process.env.WARDEN_WRITE_SCHEMA === '1') writeFileSync(schemaPath, generated);
    expect(JSON.parse(readFileSync(schemaPath, 'utf8'))).toEqual(JSON.parse(generated));
  });

  it('the JSON Schema accepts what parseMcpConfig accepts and rejects an unknown field', () => {
    const validate = new Ajv2020({ strict: false }).compile(mcpConfigJsonSchema());
    const document = {
      upstreams: { fs: { command: ['npx', 'server'] } },
      tools: { 'fs/read_file': { arguments: { path: { kind: 'path', roots: ['/srv'] } }, approval: 'peer-review' } },
    };
    expect(validate(document)).toBe(true);
    expect(parseMcpConfig(document).pinning.mode).toBe('enforce');
    expect(validate({ ...document, upstream: {} })).toBe(false);
  });

  it.each([
    [{ upstreams: {} }, 'upstreams'],
    [{ upstreams: { 'a/b': { command: ['x'] } } }, 'upstreams.a/b'],
    [{ upstreams: { fs: { url: 'ftp://x' } } }, 'upstreams.fs'],
    [{ upstreams: { fs: { command: ['x'] } }, pinning: { pins: { 'fs/x': 'md5:1' } } }, 'pinning.pins.fs/x'],
    [{ upstreams: { fs: { command: ['x'] } }, http: { upstream: 'nope' } }, 'http.upstream'],
    [{ upstreams: { fs: { command: ['x'] } }, security: { enforcement: 'maybe' } }, 'security.enforcement'],
  ])('an invalid document names its field (%j)', (document, field) => {
    expect(() => parseMcpConfig(document)).toThrow(new RegExp(`${field.replaceAll('.', '\\.')}[.:]`));
  });
});

describe('warden-mcp.json: an attacker on the network between the gateway and its identity provider', () => {
  const withJwks = (jwksUrl: string) => ({
    upstreams: { fs: { command: ['server'] } },
    http: { oauth: { issuer: 'https://idp.example', audience: 'https://mcp.example/mcp', jwksUrl } },
  });

  it('a file that repeats a key is refused, naming it (JSON.parse would keep the last; a reviewer reads the first)', () => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-mcp-config-'));
    try {
      const path = join(directory, 'warden-mcp.json');
      writeFileSync(
        path,
        '{"upstreams": {"fs": {"command": ["npx", "server"]}}, "tools": {"fs/read_file": {"approval": "security-review", "approval": "auto"}}}',
      );
      expect(() => loadMcpConfigFile(path)).toThrow(
        expect.objectContaining({
          code: 'INVALID_INPUT',
          issues: [{ path: '/tools/fs~1read_file/approval', message: 'repeated key' }],
        }),
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('an http JWKS URL (keys anyone on the path could replace) is refused, naming the field', () => {
    expect(() => parseMcpConfig(withJwks('http://idp.example/jwks.json'))).toThrow(/http\.oauth\.jwksUrl/);
  });

  it('https, and http on loopback, are accepted', () => {
    expect(() => parseMcpConfig(withJwks('https://idp.example/jwks.json'))).not.toThrow();
    expect(() => parseMcpConfig(withJwks('http://127.0.0.1:9000/jwks.json'))).not.toThrow();
  });
});
