import { describe, expect, it } from 'vitest';
import {
  AccessDeniedError,
  InvalidInputError,
  KillSwitchActiveError,
  NotFoundError,
  QuotaExceededError,
  RateLimitedError,
  SandboxNotFoundError,
  WardenError,
} from './errors.js';

describe('WardenError', () => {
  it('keeps code, message and cause', () => {
    const cause = new Error('socket closed');
    const error = new AccessDeniedError({ message: 'denied by policy', cause });
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toBe('denied by policy');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('isInstance() recognises errors from another copy of core through the Symbol.for marker', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@warden/core.error')]: true, code: 'INVALID_INPUT' });
    expect(WardenError.isInstance(foreign)).toBe(true);
    expect(WardenError.isInstance(new Error('plain'))).toBe(false);
    expect(WardenError.isInstance(null)).toBe(false);
    expect(WardenError.isInstance('INVALID_INPUT')).toBe(false);
  });

  it('subclass isInstance() distinguishes the failure kinds', () => {
    const invalid = new InvalidInputError({ message: 'bad', issues: [{ path: 'ttl', message: 'must be positive' }] });
    expect(InvalidInputError.isInstance(invalid)).toBe(true);
    expect(AccessDeniedError.isInstance(invalid)).toBe(false);
    expect(invalid.issues).toEqual([{ path: 'ttl', message: 'must be positive' }]);
  });

  it('specific not-found errors are NotFoundErrors with their own code', () => {
    const error = new SandboxNotFoundError({ id: 'sbx-1' });
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect(error.code).toBe('SANDBOX_NOT_FOUND');
    expect(error.id).toBe('sbx-1');
  });

  it('KillSwitchActiveError carries the reason', () => {
    const error = new KillSwitchActiveError({ reason: 'incident' });
    expect(error.code).toBe('KILL_SWITCH_ACTIVE');
    expect(error.message).toContain('incident');
  });

  it('RateLimitedError has code RATE_LIMITED and is not an AccessDeniedError (a retry may succeed)', () => {
    const error = new RateLimitedError({ message: 'Rate limit of 10 per minute reached' });
    expect(error.code).toBe('RATE_LIMITED');
    expect(RateLimitedError.isInstance(error)).toBe(true);
    expect(WardenError.isInstance(error)).toBe(true);
    expect(AccessDeniedError.isInstance(error)).toBe(false);
    expect(RateLimitedError.isInstance(new AccessDeniedError({ message: 'no' }))).toBe(false);
  });

  it('QuotaExceededError has code QUOTA_EXCEEDED, keeps its cause and is no sibling class', () => {
    const cause = new Error('full');
    const error = new QuotaExceededError({ message: 'Too many pending requests', cause });
    expect([error.code, error.cause, error.name]).toEqual(['QUOTA_EXCEEDED', cause, 'QuotaExceededError']);
    expect(QuotaExceededError.isInstance(error)).toBe(true);
    expect(WardenError.isInstance(error)).toBe(true);
    expect(RateLimitedError.isInstance(error)).toBe(false);
    expect(QuotaExceededError.isInstance(new RateLimitedError({ message: 'slow down' }))).toBe(false);
  });
});
