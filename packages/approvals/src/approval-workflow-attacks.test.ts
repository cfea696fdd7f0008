import type { ApprovalRecord, SecurityEventEmitter } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { createApprovalWorkflow } from './approval-workflow.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

describe('an approver resolver that changes the record it is shown', () => {
  const forgeQuorum = (approver: string, record: ApprovalRecord): boolean => {
    // A buggy or hostile resolver (a directory plugin, say) rewriting what it was given.
    record.quorum = 0;
    record.requester = 'someone-else';
    record.decisions.push({ approver: 'ghost', decision: 'approve', at: record.createdAt, tier: record.tier });
    return approver === 'bob';
  };

  it('approve(id, approver) records one approval toward a quorum of two, whatever the resolver wrote', async () => {
    const workflow = createApprovalWorkflow({ approvers: forgeQuorum });
    const id = await workflow.request({ requester: 'alice', description: 'rotate', tier: 'security-review' });
    expect(await workflow.approve(id, 'bob')).toBe('pending');
    const record = await workflow.get(id);
    expect(record).toMatchObject({ quorum: 2, requester: 'alice', status: 'pending' });
    expect(record.decisions.map((decision) => decision.approver)).toEqual(['bob']);
  });
});

describe('a name that shows nobody, or hides who it is', () => {
  const unreadable = [
    ['only a zero-width space', '\u200b'],
    ['only spaces and a soft hyphen', ' \u00ad '],
    ['only a word joiner', '\u2060'],
    ['a terminal escape that rewrites the line', 'bob\u001b[2K\u001b[1Gsam'],
    ['a tab', 'bob\tsam'],
    ['a line separator', 'bob\u2028sam'],
  ];

  it.each(unreadable)('approve(id, approver) with %s throws INVALID_INPUT and records nothing', async (_what, name) => {
    const workflow = createApprovalWorkflow();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await expect(workflow.approve(id, name)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(workflow.reject(id, name, 'no')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(workflow.cancel(id, name)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [] });
  });

  it.each(unreadable)('request({ requester }) with %s throws INVALID_INPUT and stores nothing', async (_what, name) => {
    const workflow = createApprovalWorkflow();
    await expect(workflow.request({ requester: name, description: 'deploy' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await workflow.listPending()).toEqual([]);
  });

  it('names with spaces, accents and other scripts are still accepted', async () => {
    const workflow = createApprovalWorkflow();
    const id = await workflow.request({ requester: 'Zoë Ångström', description: 'deploy', tier: 'security-review' });
    expect(await workflow.approve(id, 'José María')).toBe('pending');
    expect(await workflow.approve(id, '李小龙')).toBe('approved');
  });
});

describe('an event emitter that throws (an audit sink that is down)', () => {
  const failingEvents = {
    emit: () => {
      throw new Error('audit sink unreachable');
    },
  } as unknown as SecurityEventEmitter;

  it('request(...) and approve(id, approver) still return what they stored', async () => {
    const workflow = createApprovalWorkflow({ events: failingEvents });
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    expect(await workflow.approve(id, 'bob')).toBe('approved');
    expect(await workflow.get(id)).toMatchObject({ status: 'approved', decidedBy: 'bob' });
  });

  it('reject(id, approver, reason) and cancel(id, actor) still return what they stored', async () => {
    const workflow = createApprovalWorkflow({ events: failingEvents });
    const first = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    const second = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    expect(await workflow.reject(first, 'bob', 'red tests')).toBe('rejected');
    expect(await workflow.cancel(second, 'alice')).toBe('cancelled');
  });
});

describe('listPending(filter) from a query string parsed by a lenient parser', () => {
  it.each([
    ['null', null],
    ['a string', 'alice'],
    ['an unknown tier', { tier: 'bogus' }],
    ['a tier of __proto__', { tier: '__proto__' }],
    ['an array as the requester', { requester: ['alice'] }],
    ['a number as the requester', { requester: 7 }],
    ['an unknown field', { requestor: 'alice' }],
  ])('listPending(%s) throws INVALID_INPUT', async (_what, filter) => {
    const workflow = createApprovalWorkflow();
    await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await expect(workflow.listPending(filter as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('listPending({ tier, requester }) still filters', async () => {
    const workflow = createApprovalWorkflow();
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await workflow.request({ requester: 'bob', description: 'deploy', tier: 'team-lead' });
    const found = await workflow.listPending({ tier: 'peer-review', requester: 'alice' });
    expect(found.map((record) => record.id)).toEqual([id]);
  });
});

describe('the requester approving under a variant of their own name', () => {
  const variants = [
    ['a combining accent split off by a combining grapheme joiner', 'José', 'Jose\u034f\u0301'],
    ['a combining ring split off by a zero-width space', 'Åsa', 'A\u200b\u030asa'],
    ['Hangul jamo split by a zero-width space', '한결', '\u1112\u200b\u1161\u11ab결'],
    ['a trailing Braille pattern blank (shows as a space)', 'alice', 'alice\u2800'],
    ['a dot above on an i, which already has one (shows as i)', 'alice', 'ali\u0307ce'],
    ['an interlinear annotation anchor (a format character drawn as nothing)', 'alice', 'ali\ufff9ce'],
    ['an Egyptian hieroglyph format control (drawn as nothing)', 'alice', 'alice\u{13430}'],
  ];

  it.each(variants)(
    'approve(id, approver) with %s throws ACCESS_DENIED, case-sensitive identities included',
    async (_what, requester, approver) => {
      for (const caseSensitiveIdentities of [false, true]) {
        const workflow = createApprovalWorkflow({ caseSensitiveIdentities });
        const id = await workflow.request({ requester, description: 'deploy', tier: 'peer-review' });
        await expect(workflow.approve(id, approver)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
        expect(await workflow.getStatus(id)).toBe('pending');
      }
    },
  );

  it.each(variants)(
    'approve(id, approver) by two spellings with %s counts one approver toward the quorum',
    async (_what, name, variant) => {
      for (const caseSensitiveIdentities of [false, true]) {
        const workflow = createApprovalWorkflow({ caseSensitiveIdentities });
        const id = await workflow.request({ requester: 'agent', description: 'rotate', tier: 'security-review' });
        expect(await workflow.approve(id, name)).toBe('pending');
        expect(await workflow.approve(id, variant)).toBe('pending');
      }
    },
  );

  it('request({ requester }) of only a Braille pattern blank throws INVALID_INPUT: it shows nobody', async () => {
    const workflow = createApprovalWorkflow();
    await expect(workflow.request({ requester: '\u2800', description: 'deploy' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('the requester approving under another case of their own name', () => {
  const variants = [
    ['the capital sharp s (ẞ folds to ss, as ß does)', 'weiß', 'WEIẞ'],
    ['the Turkish dotted capital I (İ lowercases to i with a dot above)', 'alice', 'ALİCE'],
  ];

  it.each(variants)('approve(id, approver) with %s throws ACCESS_DENIED', async (_what, requester, approver) => {
    const workflow = createApprovalWorkflow();
    const id = await workflow.request({ requester, description: 'deploy', tier: 'peer-review' });
    await expect(workflow.approve(id, approver)).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    expect(await workflow.getStatus(id)).toBe('pending');
  });

  it.each(variants)(
    'approve(id, approver) by both spellings with %s counts one approver',
    async (_what, name, variant) => {
      const workflow = createApprovalWorkflow();
      const id = await workflow.request({ requester: 'agent', description: 'rotate', tier: 'security-review' });
      expect(await workflow.approve(id, name)).toBe('pending');
      expect(await workflow.approve(id, variant)).toBe('pending');
    },
  );
});

describe('a flood of requests left to expire (a peer with self-made keys filling a queue nobody reads)', () => {
  const DAY = 86_400_000;

  /** A memory store keeping decided records a day, a workflow on it, one flooded request and the clock. */
  async function flooded() {
    const clock = { time: Date.UTC(2026, 0, 1) };
    const now = () => clock.time;
    const store = createMemoryApprovalStore({ retainDecidedFor: '1d', now });
    const workflow = createApprovalWorkflow({ store, now });
    const id = await workflow.request({ requester: 'p2p:self-made', description: 'flood', tier: 'peer-review' });
    return { clock, store, workflow, id };
  }

  it.each(['expireDue', 'listPending'] as const)(
    'a request %s() expires is dropped retainDecidedFor later, not kept for ever unread',
    async (sweep) => {
      const { clock, workflow, id } = await flooded();
      clock.time += 2 * DAY; // past the 24 h TTL
      await workflow[sweep]();
      clock.time += 2 * DAY;
      await expect(workflow.get(id)).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
    },
  );

  it('a rejected request nobody reads again is dropped retainDecidedFor after the rejection', async () => {
    const { clock, store, workflow, id } = await flooded();
    expect(await workflow.reject(id, 'operator', 'spam')).toBe('rejected');
    clock.time += DAY;
    // No listing, no read in between: retention started at the rejection, not at a later read.
    expect(await store.get(id)).toBeUndefined();
  });

  it('a request expired by a direct get() is dropped retainDecidedFor after its expiry', async () => {
    const { clock, store, workflow, id } = await flooded();
    clock.time += 2 * DAY; // past the 24 h TTL
    expect((await workflow.get(id)).status).toBe('expired');
    clock.time += DAY;
    expect(await store.get(id)).toBeUndefined();
  });
});
