import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describeWithService } from '@warden/testing';
import { expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function warden(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=warden-source', 'src/main.ts', ...args],
      { cwd: packageRoot, timeout: 100_000, env: process.env },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describeWithService('redis', 'warden kill-switch against real Redis', () => {
  it('reads unknown, activates, reports and deactivates a switch', async () => {
    const name = `cli-${randomUUID()}`;
    const fresh = await warden('kill-switch', 'status', '--name', name, '--json');
    expect(fresh.code).toBe(1); // no record yet: unknown, fail closed
    expect(JSON.parse(fresh.stdout)).toMatchObject({ active: true, unknown: true });

    const on = await warden('kill-switch', 'activate', '--name', name, '--reason', 'incident 42', '--actor', 'alice');
    expect(on.code).toBe(1);
    expect(on.stdout).toContain(`kill switch ${name}: ACTIVE`);
    expect(on.stdout).toContain('reason: incident 42');

    const status = await warden('kill-switch', 'status', '--name', name, '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ active: true, reason: 'incident 42', actor: 'alice' });

    const off = await warden('kill-switch', 'deactivate', '--name', name, '--actor', 'alice');
    expect(off.code).toBe(0);
    expect(off.stdout).toContain(`kill switch ${name}: inactive`);
  });

  it('rejects activate without a reason, exit 2', async () => {
    const run = await warden('kill-switch', 'activate', '--name', `cli-${randomUUID()}`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('activate needs --reason');
  });

  it('refuses a hostile reason and actor (control characters) with INVALID_INPUT and lets none of them reach the terminal', async () => {
    const name = `cli-${randomUUID()}`;
    const hostile = 'drill\u001b[2J\u001b]0;owned\u0007\u009b1A\rkill switch global: inactive';
    // A record holding such text is read as malformed (unknown, so denying); the switch refuses to write one.
    const on = await warden('kill-switch', 'activate', '--name', name, '--reason', hostile, '--actor', `eve\u001b[8m`);
    expect(on.code).toBe(2);
    expect(on.stderr).toMatch(/^warden kill-switch: kill switch: invalid/im);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the attacker sent
    expect(`${on.stdout}${on.stderr}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u);
    expect(on.stdout).not.toMatch(/^kill switch global: inactive/m);
  });
});
