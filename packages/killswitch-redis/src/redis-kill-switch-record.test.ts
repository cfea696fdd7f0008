import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { historyEntryFromJson, readingFromHash } from './redis-kill-switch-record.js';
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

  it('refuses a tampered hash instead of guessing (no active field, a bad version, a bad flag)', () => {
    expect(readingFromHash({ version: '1' }).kind).toBe('malformed');
    expect(readingFromHash({ active: '0' }).kind).toBe('malformed');
    expect(readingFromHash({ version: 'x', active: '0' }).kind).toBe('malformed');
    expect(readingFromHash({ version: '1', active: 'no' }).kind).toBe('malformed');
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
    const signature = signRecord('warden:kill-switch:global', record, operator.privateKey);
    expect(isSignedBy('warden:kill-switch:global', { ...record, signature }, operator.publicKey)).toBe(true);
  });

  it('refuses no signature, another key, another switch, and any field changed after signing', () => {
    const signature = signRecord('warden:kill-switch:global', record, operator.privateKey);
    const forged = signRecord('warden:kill-switch:global', record, mallory.privateKey);
    expect(isSignedBy('warden:kill-switch:global', record, operator.publicKey)).toBe(false);
    expect(isSignedBy('warden:kill-switch:global', { ...record, signature: forged }, operator.publicKey)).toBe(false);
    expect(isSignedBy('warden:kill-switch:tenant-1', { ...record, signature }, operator.publicKey)).toBe(false);
    expect(isSignedBy('warden:kill-switch:global', { ...record, version: 2, signature }, operator.publicKey)).toBe(
      false,
    );
    expect(isSignedBy('warden:kill-switch:global', { ...record, signature: 'garbage' }, operator.publicKey)).toBe(
      false,
    );
  });
});
