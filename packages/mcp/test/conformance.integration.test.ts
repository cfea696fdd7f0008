import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpEnforcer } from '../src/enforcer/enforcer.js';
import { type HttpGateway, startHttpGateway } from '../src/http/http-gateway.js';
import { startEverythingHttp } from './helpers.js';

const run = promisify(execFile);
const conformance = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');

/**
 * The conformance CLI needs Node ≥ 22 (`fs.globSync`); on an older Node it runs under the npm
 * package `node@24` (fetched once by npx, then cached).
 */
async function runConformance(url: string): Promise<Map<string, number>> {
  const major = Number(process.versions.node.split('.')[0]);
  const [file, args] =
    major >= 22 ? [process.execPath, [conformance]] : ['npx', ['-y', '-p', 'node@24', 'node', conformance]];
  const { stdout } = await run(file, [...args, 'server', '--url', url], {
    timeout: 240_000,
    maxBuffer: 32 * 1024 * 1024,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const passed = new Map<string, number>();
  for (const match of stdout.matchAll(/^[✓✗] ([\w-]+): (\d+) passed, (\d+) failed$/gmu)) {
    if (match[1] && Number(match[3]) === 0 && Number(match[2]) > 0) passed.set(match[1], Number(match[2]));
  }
  return passed;
}

describe('@modelcontextprotocol/conformance with the gateway in the path', () => {
  let upstream: { url: string; stop: () => void };
  let gateway: HttpGateway;
  beforeAll(async () => {
    upstream = await startEverythingHttp();
    const config = {
      upstreams: { everything: { url: upstream.url } },
      security: { unmappedTools: 'allow' as const, defaultAccess: ['*'] },
      resources: { allow: ['*'] },
      prompts: { allow: ['*'] },
      pinning: { mode: 'enforce' as const, trustOnFirstUse: true },
      http: { port: 0 },
    };
    gateway = await startHttpGateway({ enforcer: createMcpEnforcer({ config }), config });
  });
  afterAll(async () => {
    await gateway?.close();
    upstream?.stop();
  });

  it('passes every scenario server-everything passes alone', { timeout: 600_000 }, async () => {
    const direct = await runConformance(upstream.url);
    const proxied = await runConformance(gateway.url);
    expect(direct.size).toBeGreaterThan(0);
    for (const [scenario] of direct) expect(proxied.has(scenario), scenario).toBe(true);
  });
});
