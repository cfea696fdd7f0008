import { AccessDeniedError, InvalidInputError, KillSwitchActiveError, RateLimitedError } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from './http-errors.js';

describe('toErrorResponse(error)', () => {
  it('maps core errors onto statuses and keeps the stable code', () => {
    expect(toErrorResponse(new AccessDeniedError({ message: 'no' })).status).toBe(403);
    expect(toErrorResponse(new KillSwitchActiveError({ reason: 'stop' })).body.error.code).toBe('KILL_SWITCH_ACTIVE');
    expect(toErrorResponse(new RateLimitedError({ message: 'slow down' }))).toEqual({
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
    });
    const invalid = toErrorResponse(new InvalidInputError({ message: 'bad', issues: [{ path: 'x', message: 'y' }] }));
    expect(invalid).toEqual({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', message: 'bad', issues: [{ path: 'x', message: 'y' }] } },
    });
  });

  it('never leaks the message or stack of an unexpected error', () => {
    const response = toErrorResponse(new Error('db password is hunter2'));
    expect(response).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error' } } });
  });
});
