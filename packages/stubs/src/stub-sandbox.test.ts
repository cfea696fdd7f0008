import { describe, expect, it } from 'vitest';
import { createStubSandbox } from './stub-sandbox.js';

describe('createStubSandbox(options)', () => {
  it('execute(id, command) returns the scripted result and records what was run', async () => {
    const sandbox = createStubSandbox({
      respond: ({ command }) => (command === 'npm test' ? { exitCode: 1, stderr: '1 failing\n' } : undefined),
    });
    const { id } = await sandbox.create();
    expect(await sandbox.execute(id, 'npm test')).toEqual({
      stdout: '',
      stderr: '1 failing\n',
      exitCode: 1,
      timedOut: false,
      truncated: false,
      durationMs: 0,
    });
    expect((await sandbox.execute(id, ['ls', '-la'], { cwd: '/work' })).exitCode).toBe(0);
    expect(sandbox.executions).toEqual([
      { sandboxId: id, command: 'npm test', options: {} },
      { sandboxId: id, command: ['ls', '-la'], options: { cwd: '/work' } },
    ]);
  });

  it('execute(id, command, { maxOutputBytes }) cuts scripted output without splitting a character', async () => {
    const sandbox = createStubSandbox({ respond: () => ({ stdout: 'ééééé', stderr: 'short' }) });
    const { id } = await sandbox.create();
    const result = await sandbox.execute(id, 'cat', { maxOutputBytes: 5 });
    expect(result).toMatchObject({ stdout: 'éé', stderr: 'short', truncated: true });
  });

  it('records every call, refused ones included, with the time from now', async () => {
    const sandbox = createStubSandbox({ now: () => 0 });
    const { id, createdAt } = await sandbox.create({ networkPolicy: 'none' });
    await expect(sandbox.execute(id, '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await sandbox.destroy(id);
    expect(createdAt).toBe('1970-01-01T00:00:00.000Z');
    expect(sandbox.calls.map((call) => call.method)).toEqual(['create', 'execute', 'destroy']);
    expect(sandbox.calls[1]).toEqual({ method: 'execute', args: [id, '', undefined], at: '1970-01-01T00:00:00.000Z' });
    expect(sandbox.executions).toEqual([]);
  });

  it('create(constraints) fills missing limits from the untrusted defaults, never from unlimited', async () => {
    const sandbox = createStubSandbox();
    const status = await sandbox.create({ maxMemoryMb: 512 });
    expect(status.constraints).toEqual({
      maxMemoryMb: 512,
      maxCpuPercent: 25,
      maxPids: 50,
      networkPolicy: 'none',
      timeoutMs: 60_000,
    });
  });

  it('getStatus(id) returns a copy that callers cannot use to change the sandbox', async () => {
    const sandbox = createStubSandbox();
    const { id } = await sandbox.create({ env: { A: '1' } });
    const status = await sandbox.getStatus(id);
    status.state = 'destroyed';
    (status.constraints.env as Record<string, string>).A = 'changed';
    expect(await sandbox.getStatus(id)).toMatchObject({ state: 'running', constraints: { env: { A: '1' } } });
  });

  it('records env values handed to create(constraints) and execute(id, command, options) as [REDACTED] in calls (attacker: whoever reads a dump of calls), keeping them in executions', async () => {
    const sandbox = createStubSandbox();
    const { id } = await sandbox.create({ env: { GITHUB_TOKEN: 'ghs_constraintsecret' } });
    await sandbox.execute(id, 'git push', { env: { NPM_TOKEN: 'npm_commandsecret' } });
    const dumped = JSON.stringify(sandbox.calls);
    expect(dumped).not.toContain('ghs_constraintsecret');
    expect(dumped).not.toContain('npm_commandsecret');
    expect(sandbox.calls[0]?.args).toEqual([{ env: { GITHUB_TOKEN: '[REDACTED]' } }]);
    expect(sandbox.calls[1]?.args).toEqual([id, 'git push', { env: { NPM_TOKEN: '[REDACTED]' } }]);
    expect(sandbox.executions[0]?.options.env).toEqual({ NPM_TOKEN: 'npm_commandsecret' });
  });
});
