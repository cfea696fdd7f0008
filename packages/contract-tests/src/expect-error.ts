import { InvalidInputError, WardenError, type WardenErrorCode } from '@warden/core';
import { expect } from 'vitest';

/**
 * Calls `action` (which may throw synchronously or reject) and asserts that it fails with a
 * {@link WardenError} carrying `code`, a non-empty `message` (core's `WardenErrorOptions` requires
 * a human-readable explanation; its words are not checked) and, for `INVALID_INPUT`, `issues` that
 * each name a field path and say what is wrong. Returns the error for further checks.
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
  expect(typeof error.message === 'string' && error.message.trim().length > 0, `error message${where}`).toBe(true);
  if (InvalidInputError.isInstance(error)) expectIssues(error, where);
  return error;
}

/** Each issue of an `INVALID_INPUT` error names a field (`""` for the value itself) and what is wrong with it. */
function expectIssues(error: InvalidInputError, where: string): void {
  expect(Array.isArray(error.issues), `issues${where}`).toBe(true);
  for (const issue of error.issues) {
    expect(typeof issue.path, `issue path${where}`).toBe('string');
    expect(typeof issue.message === 'string' && issue.message.trim().length > 0, `issue message${where}`).toBe(true);
  }
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
