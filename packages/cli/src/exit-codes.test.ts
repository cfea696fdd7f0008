import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT } from './io.js';
import { run } from './run.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

describe('an internal failure (attacker: a fault, read by a script that branches on the exit code)', () => {
  it('run(...) resolves to 70, not 1 ("denied", "active", "tampered"), and says so on stderr with the stack', async () => {
    // The terminal's sink fails (a platform fault): a crash the command has no answer for.
    const errors: string[] = [];
    const failingOut = {
      out: () => {
        throw new Error('stdout is gone\nALLOWED: forged');
      },
      err: (line: string) => errors.push(line),
    };
    const code = await run(['policy', 'lint', fixture('lint-all.json')], failingOut, {});
    expect(code).toBe(EXIT.internal);
    expect(code).toBe(70);
    const stderr = errors.join('\n');
    expect(stderr).toContain('warden policy lint: internal error (exit 70): Error: stdout is gone\\u000aALLOWED');
    expect(stderr).toMatch(/\n\s+at /);
    expect(stderr.split('\n').some((line) => line.startsWith('ALLOWED'))).toBe(false);
  });

  it('a usage error stays 2 and a finding stays 1', async () => {
    const quiet = { out: () => {}, err: () => {} };
    expect(await run(['policy', 'lint', '/nonexistent.json'], quiet, {})).toBe(2);
    expect(await run(['policy', 'lint', fixture('lint-all.json')], quiet, {})).toBe(1);
  });

  it('the warden process exits 70 when standard output fails after a write (EPIPE), not 1', async () => {
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--import', './test/stdout-epipe.mjs', '--conditions=warden-source', 'src/main.ts'].concat([
          'policy',
          'lint',
          fixture('lint-all.json'),
        ]),
        { cwd: packageRoot, timeout: 100_000 },
        (error, _stdout, stderr) => resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stderr }),
      );
    });
    expect(result.code).toBe(70);
    expect(result.stderr).toContain('warden: internal error (exit 70): Error: write EPIPE');
  });
});
