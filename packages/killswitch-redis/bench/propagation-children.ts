import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Child } from '../test/child-processes.js';
import type { ChildMessage } from '../test/child-protocol.js';

const directory = dirname(fileURLToPath(import.meta.url));

/**
 * Bundles `propagation-child.ts` (with the workspace sources and ioredis) into one ES module, so
 * each subscriber process starts without a TypeScript loader. Returns the bundle's path.
 */
export async function bundlePropagationChild(): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'warden-bench-')), 'propagation-child.mjs');
  await build({
    entryPoints: [join(directory, 'propagation-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['warden-source'],
    logLevel: 'error',
    // ioredis is CommonJS and requires Node's modules: give the bundle a `require`.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

function spawnChild(script: string, args: string[], env: Record<string, string>): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const changes: Child['changes'] = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark child exited with ${code} before ready`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve({ process: child, changes });
      else changes.push(message);
    });
  });
}

/** Starts `count` bundled children, a few at a time (fifty at once time each other out on two cores). */
export async function startBundledChildren(
  script: string,
  count: number,
  args: string[],
  env: Record<string, string>,
): Promise<Child[]> {
  const children: Child[] = [];
  for (let start = 0; start < count; start += 5) {
    const batch = Array.from({ length: Math.min(5, count - start) }, () => spawnChild(script, args, env));
    const started = await Promise.allSettled(batch);
    for (const result of started) if (result.status === 'fulfilled') children.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) {
      for (const child of children) child.process.kill();
      throw failed.reason;
    }
  }
  return children;
}
