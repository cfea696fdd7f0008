import { WardenError, type WardenErrorCode } from '@warden/core';
import { expect } from 'vitest';

/**
 * Calls `action` (which may throw synchronously or reject) and asserts that it fails with a
 * {@link WardenError} carrying `code`. Returns the error for further checks.
 *
 * @param label names the case in the failure message, for loops over many inputs.
 */
export async function expectWardenError(
  action: () => unknown,
  code: WardenErrorCode,
  label = '',
): Promise<WardenError> {
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    outcome = { resolved: await action() };
  } catch (caught) {
    outcome = { rejected: caught };
  }
  const where = label ? ` (${label})` : '';
  if (!('rejected' in outcome)) {
    return expect.fail(`expected a WardenError with code ${code}${where}, but the call resolved`);
  }
  const error = outcome.rejected;
  if (!WardenError.isInstance(error)) {
    return expect.fail(`expected a WardenError with code ${code}${where}, got ${String(error)}`);
  }
  expect(error.code, `error code${where}: ${error.message}`).toBe(code);
  return error;
}

/** The outcome of a promise, as a value: for calls that may either succeed or be refused. */
export type Settled<Value> = { resolved: Value } | { rejected: unknown };

/** Waits for `promise` and reports whether it resolved or rejected, without throwing. */
export function settle<Value>(promise: Promise<Value>): Promise<Settled<Value>> {
  return promise.then(
    (resolved) => ({ resolved }),
    (rejected: unknown) => ({ rejected }),
  );
}
