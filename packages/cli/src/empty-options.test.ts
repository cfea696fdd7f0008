import { describe, expect, it } from 'vitest';
import { run } from './run.js';

/** Runs in process; Redis at a closed port, so nothing here may depend on reaching it. */
async function usage(args: string[]): Promise<{ code: number; stderr: string }> {
  const errors: string[] = [];
  const code = await run(
    args,
    { out: () => {}, err: (line) => errors.push(line) },
    {
      REDIS_URL: 'redis://127.0.0.1:1',
    },
  );
  return { code, stderr: errors.join('\n') };
}

describe('an option given an empty value (attacker: whoever leaves the variable a script passes empty)', () => {
  it.each([
    [['approvals', 'list', '--key-prefix', ''], 'key-prefix'],
    [['approvals', 'list', '--key-prefix='], 'key-prefix'],
    [['approvals', 'show', 'apr_1', '--key-prefix', ''], 'key-prefix'],
    [['approvals', 'approve', 'apr_1', '--approver', 'bob', '--key-prefix', ''], 'key-prefix'],
    [['approvals', 'list', '--requester', ''], 'requester'],
    [['kill-switch', 'status', '--name', ''], 'name'],
    [['kill-switch', 'activate', '--reason', 'x', '--actor', ''], 'actor'],
    [['audit', 'verify', '--directory', '', '--key', 'k'], 'directory'],
    [['audit', 'verify', '--bundle', '', '--key', 'k'], 'bundle'],
    [['audit', 'verify', '--directory', '/nonexistent', '--key', ''], 'key'],
    [['audit', 'verify', '--directory', '/nonexistent', '--key', 'k', '--trusted', ''], 'trusted'],
  ])('%j is a usage error before anything is read: an empty store is not an empty queue', async (args, option) => {
    // `--key-prefix ''` read another, empty store and listed "no pending requests", exit 0.
    const { code, stderr } = await usage(args);
    expect(code).toBe(2);
    expect(stderr).toContain(`--${option} must not be empty`);
  });

  it('a blank --key-prefix is refused by the store, exit 2', async () => {
    const { code, stderr } = await usage(['approvals', 'list', '--key-prefix', ' ']);
    expect(code).toBe(2);
    expect(stderr).toContain('keyPrefix');
  });
});
