import { InvalidInputError, SandboxNotFoundError } from '@warden/core';
import { describe, expect, it } from 'vitest';
import { expectWardenError, settle } from './expect-error.js';

describe('expectWardenError(action, code)', () => {
  it('returns the error when the action rejects with a WardenError carrying the code', async () => {
    const error = await expectWardenError(async () => {
      throw new SandboxNotFoundError({ id: 'x' });
    }, 'SANDBOX_NOT_FOUND');
    expect(error.code).toBe('SANDBOX_NOT_FOUND');
  });

  it('accepts an action that throws synchronously', async () => {
    await expectWardenError(() => {
      throw new InvalidInputError({ message: 'bad' });
    }, 'INVALID_INPUT');
  });

  it('fails when the action resolves, throws another code, or throws a plain Error', async () => {
    await expect(expectWardenError(async () => 'fine', 'INVALID_INPUT', 'resolved')).rejects.toThrow(/resolved/);
    await expect(
      expectWardenError(async () => {
        throw new SandboxNotFoundError({ id: 'x' });
      }, 'INVALID_INPUT'),
    ).rejects.toThrow(/SANDBOX_NOT_FOUND|INVALID_INPUT/);
    await expect(
      expectWardenError(async () => {
        throw new Error('plain');
      }, 'INVALID_INPUT'),
    ).rejects.toThrow(/got Error: plain/);
  });
});

describe('settle(promise)', () => {
  it('reports a resolution or a rejection as a value', async () => {
    expect(await settle(Promise.resolve(1))).toEqual({ resolved: 1 });
    const failure = new Error('no');
    expect(await settle(Promise.reject(failure))).toEqual({ rejected: failure });
  });
});
