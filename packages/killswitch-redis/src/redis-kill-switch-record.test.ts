import { generateKeyPairSync } from 'node:crypto';
import { killSwitchChangeOptionsSchema, killSwitchReasonSchema } from '@warden/core';
import { describe, expect, it } from 'vitest';
import {
  historyEntryFromJson,
  readingFromHash,
  recordFromEntry,
  recordFromValueBySchemaOnly,
} from './redis-kill-switch-record.js';
import { isSignedBy, signRecord } from './redis-kill-switch-signature.js';

describe('readingFromHash(hash)', () => {
  it('reads an empty hash (no key: first deployment, FLUSHALL, lost data) as missing, never inactive', () => {
    expect(readingFromHash({})).toEqual({ kind: 'missing' });
  });

  it('reads the stored fields, dropping empty ones', () => {
    const hash = { version: '3', active: '1', reason: 'incident', actor: '', changedAt: 't', signature: '' };
    expect(readingFromHash(hash)).toEqual({
      kind: 'record',
      record: { version: 3, active: true, reason: 'incident', changedAt: 't' },
    });
  });

  it('never reports a reason for an inactive state', () => {
    expect(readingFromHash({ version: '1', active: '0', reason: 'stale' })).toEqual({
      kind: 'record',
      record: { version: 1, active: false },
    });
  });

  it('reads a signed basis, none for an unsigned change, and refuses one that is not a version', () => {
    const hash = { version: '3', active: '0', changedAt: 't', signature: 's' };
    expect(readingFromHash({ ...hash, basis: '2' })).toEqual({
      kind: 'record',
      record: { version: 3, active: false, changedAt: 't', signature: 's', basis: 2 },
    });
    expect(readingFromHash({ ...hash, basis: '' })).toEqual(readingFromHash(hash));
    // '02' too: the script writes a basis as it writes a version, digits without a leading zero.
    for (const basis of ['-1', 'x', '1.5', '02']) expect(readingFromHash({ ...hash, basis }).kind).toBe('malformed');
  });

  it('refuses a record whose reason, actor or time holds a control character, a line separator or a bidirectional control (attacker: anyone who can HSET, LPUSH or XADD)', () => {
    const record = { version: '4', active: '1', reason: 'incident', actor: 'alice', changedAt: 't' };
    for (const forged of ['x\nreleased by alice', 'x\u001b[2K', 'x\r', 'x\u0085', 'x\u2028', 'x\u202e', 'x\u2066']) {
      for (const field of ['reason', 'actor', 'changedAt']) {
        const hash = { ...record, [field]: forged };
        expect(readingFromHash(hash).kind).toBe('malformed');
        expect(recordFromValueBySchemaOnly(hash)).toBeUndefined();
        expect(recordFromEntry(JSON.stringify(hash))).toBeUndefined();
        expect(historyEntryFromJson(JSON.stringify(hash))).toBeUndefined();
      }
    }
    expect(readingFromHash({ ...record, reason: 'incident détecté 🚨' }).kind).toBe('record');
  });

  it('refuses a change-stream or history entry whose text holds a lone surrogate (attacker: anyone who can LPUSH or XADD an escaped "\\ud800"): activate() refuses it too', () => {
    const record = { version: '4', active: '1', reason: 'incident', actor: 'alice', changedAt: 't' };
    for (const field of ['reason', 'actor', 'changedAt']) {
      const json = JSON.stringify({ ...record, [field]: 'half \uD83D' });
      expect(json).toContain('\\ud83d');
      expect(recordFromEntry(json)).toBeUndefined();
      expect(historyEntryFromJson(json)).toBeUndefined();
    }
    expect(recordFromEntry(JSON.stringify({ ...record, reason: 'whole \u{1F525}' }))).toMatchObject({
      reason: 'whole \u{1F525}',
    });
  });

  it('reads back exactly the reasons and actors activate() accepts: reader and writer share one rule', () => {
    const record = { version: '4', active: '1', reason: 'incident', actor: 'alice', changedAt: 't' };
    // Every code point of the ranges where controls, separators and format characters live.
    const candidates: string[] = [];
    for (const [from, to] of [
      [0x0, 0xa0],
      [0x600, 0x620],
      [0x2000, 0x2070],
      [0xfeff, 0xfeff],
    ] as const) {
      for (let code = from; code <= to; code += 1) candidates.push(`x${String.fromCodePoint(code)}y`);
    }
    for (const text of candidates) {
      const written = killSwitchReasonSchema.safeParse(text).success;
      expect(killSwitchChangeOptionsSchema.safeParse({ actor: text }).success).toBe(written);
      expect(readingFromHash({ ...record, reason: text }).kind === 'record').toBe(written);
      expect(readingFromHash({ ...record, actor: text }).kind === 'record').toBe(written);
    }
  });

  it('refuses a reason, actor or time longer than a change writes (attacker: anyone who can HSET, LPUSH or XADD, filling events and logs with 10,000 characters of their own)', () => {
    const record = { version: '4', active: '1', reason: 'incident', actor: 'alice', changedAt: 't' };
    for (const length of [1, 199, 200, 201, 999, 1_000, 1_001, 10_000]) {
      const text = 'x'.repeat(length);
      const reasonWritten = killSwitchReasonSchema.safeParse(text).success;
      const actorWritten = killSwitchChangeOptionsSchema.safeParse({ actor: text }).success;
      expect(readingFromHash({ ...record, reason: text }).kind === 'record', `reason of ${length}`).toBe(reasonWritten);
      expect(readingFromHash({ ...record, actor: text }).kind === 'record', `actor of ${length}`).toBe(actorWritten);
      const entry = JSON.stringify({ ...record, active: true, actor: text });
      expect(recordFromEntry(entry) !== undefined, `entry with an actor of ${length}`).toBe(actorWritten);
      expect(historyEntryFromJson(entry) !== undefined, `history with an actor of ${length}`).toBe(actorWritten);
    }
    // The longest time a change stamps, and one character more.
    const latest = new Date(8.64e15).toISOString();
    expect(readingFromHash({ ...record, changedAt: latest }).kind).toBe('record');
    expect(readingFromHash({ ...record, changedAt: `${latest} ` }).kind).toBe('malformed');
    expect(readingFromHash({ ...record, changedAt: 't'.repeat(10_000) }).kind).toBe('malformed');
  });

  it('refuses a tampered hash instead of guessing (no active field, a bad version, a bad flag)', () => {
    expect(readingFromHash({ version: '1' }).kind).toBe('malformed');
    expect(readingFromHash({ active: '0' }).kind).toBe('malformed');
    expect(readingFromHash({ version: 'x', active: '0' }).kind).toBe('malformed');
    expect(readingFromHash({ version: '1', active: 'no' }).kind).toBe('malformed');
  });

  it('refuses a version or basis the change script would not bump (attacker: anyone who can HSET, LPUSH or XADD): the reader read "1e15" as 10^15 while the script numbers the next change 1', () => {
    for (const odd of [
      '',
      ' 5',
      '5 ',
      '+5',
      '-0',
      '-1',
      '1e15',
      '1E3',
      '0x10',
      '0b1',
      '5.0',
      '007',
      'Infinity',
      'NaN',
    ]) {
      const hash = { version: odd, active: '0', actor: 'alice', changedAt: '2026-01-01T00:00:00.000Z' };
      expect(readingFromHash(hash), `version ${JSON.stringify(odd)}`).toEqual({ kind: 'malformed' });
      expect(recordFromValueBySchemaOnly(hash), `schema, version ${JSON.stringify(odd)}`).toBeUndefined();
      expect(
        recordFromEntry(JSON.stringify({ ...hash, active: false })),
        `entry ${JSON.stringify(odd)}`,
      ).toBeUndefined();
      expect(
        historyEntryFromJson(JSON.stringify({ ...hash, active: false })),
        `history ${JSON.stringify(odd)}`,
      ).toBeUndefined();
      if (odd === '') continue; // an empty basis is how an unsigned change stores none
      expect(readingFromHash({ ...hash, version: '9', basis: odd }), `basis ${JSON.stringify(odd)}`).toEqual({
        kind: 'malformed',
      });
    }
    expect(readingFromHash({ version: '12', active: '0', basis: '11' })).toEqual({
      kind: 'record',
      record: { version: 12, active: false, basis: 11 },
    });
  });
});

describe('the fast path for records as the script writes them (attacker: anyone who can HSET or XADD)', () => {
  const versions: unknown[] = [
    '0',
    '7',
    '007',
    '1e3',
    ' 5',
    '5 ',
    '-1',
    '1.5',
    '',
    '9007199254740993',
    '123456789012345',
  ];
  const moreVersions: unknown[] = [0, 7, -1, 1.5, 2 ** 53, Number.NaN, true, null, undefined, [], '0x10'];
  const flags: unknown[] = ['0', '1', true, false, 'true', 1, 0, '', undefined];
  const texts: unknown[] = [undefined, '', 'why', 'x'.repeat(10_000), 'x'.repeat(10_001), 5, null];
  const signatures: unknown[] = [undefined, '', 's'.repeat(200), 's'.repeat(201), 1];

  it('answers exactly what the schema answers, for every combination of odd and valid fields', () => {
    let compared = 0;
    for (const version of [...versions, ...moreVersions])
      for (const active of flags)
        for (const reason of texts)
          for (const signature of signatures) {
            const value = { version, active, reason, actor: reason, changedAt: 't', signature };
            expect(readingFromHash(value as Record<string, string>)).toEqual(
              recordFromValueBySchemaOnly(value) === undefined
                ? { kind: 'malformed' }
                : { kind: 'record', record: recordFromValueBySchemaOnly(value) },
            );
            compared += 1;
          }
    for (const value of [null, 'text', 3, [], ['version', '1']]) {
      expect(recordFromEntry(JSON.stringify(value))).toEqual(recordFromValueBySchemaOnly(value));
      compared += 1;
    }
    expect(compared).toBeGreaterThan(5_000);
  });

  it('reads an entry the script appended like the schema does (version as text, flag as boolean)', () => {
    const payload = '{"version":"12","active":true,"reason":"r","actor":"a","changedAt":"t","signature":"c2ln"}';
    expect(recordFromEntry(payload)).toEqual({
      version: 12,
      active: true,
      reason: 'r',
      actor: 'a',
      changedAt: 't',
      signature: 'c2ln',
    });
    expect(recordFromEntry(payload)).toEqual(recordFromValueBySchemaOnly(JSON.parse(payload)));
  });
});

describe('historyEntryFromJson(json)', () => {
  it('reads what the change script appends and skips entries without a time', () => {
    expect(historyEntryFromJson('{"version":2,"active":true,"reason":"r","actor":"a","changedAt":"t"}')).toEqual({
      version: 2,
      active: true,
      reason: 'r',
      actor: 'a',
      changedAt: 't',
    });
    expect(historyEntryFromJson('{"version":2,"active":true}')).toBeUndefined();
    expect(historyEntryFromJson('not json')).toBeUndefined();
  });
});

describe('signRecord / isSignedBy (attacker: a Redis user without the operator key)', () => {
  const operator = generateKeyPairSync('ed25519');
  const mallory = generateKeyPairSync('ed25519');
  const record = { version: 1_765_000_000_000, active: false, actor: 'alice', changedAt: '2026-12-05T00:00:00.000Z' };

  it('accepts a record signed by the operator for this switch', () => {
    const signature = signRecord('0/warden:kill-switch:{global}', record, operator.privateKey);
    expect(isSignedBy('0/warden:kill-switch:{global}', { ...record, signature }, operator.publicKey)).toBe(true);
  });

  it('refuses no signature, another key, another switch, and any field changed after signing', () => {
    const signature = signRecord('0/warden:kill-switch:{global}', record, operator.privateKey);
    const forged = signRecord('0/warden:kill-switch:{global}', record, mallory.privateKey);
    expect(isSignedBy('0/warden:kill-switch:{global}', record, operator.publicKey)).toBe(false);
    expect(isSignedBy('0/warden:kill-switch:{global}', { ...record, signature: forged }, operator.publicKey)).toBe(
      false,
    );
    expect(isSignedBy('0/warden:kill-switch:{tenant-1}', { ...record, signature }, operator.publicKey)).toBe(false);
    expect(isSignedBy('1/warden:kill-switch:{global}', { ...record, signature }, operator.publicKey)).toBe(false);
    expect(isSignedBy('0/warden:kill-switch:{global}', { ...record, version: 2, signature }, operator.publicKey)).toBe(
      false,
    );
    expect(isSignedBy('0/warden:kill-switch:{global}', { ...record, basis: 1, signature }, operator.publicKey)).toBe(
      false,
    );
    expect(isSignedBy('0/warden:kill-switch:{global}', { ...record, signature: 'garbage' }, operator.publicKey)).toBe(
      false,
    );
  });
});
