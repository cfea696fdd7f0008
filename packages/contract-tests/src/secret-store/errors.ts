import { inspect } from 'node:util';
import type { InvalidInputError } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import { SECRET_STORE_CONTRACT_NAMES, type SecretStoreSuite, untyped } from './harness.js';

const { first } = SECRET_STORE_CONTRACT_NAMES;

/** Names no store can hold. */
const INVALID_NAMES: ReadonlyArray<readonly [string, unknown]> = [
  ["''", ''],
  ['a name with a NUL byte', 'warden\0contract'],
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
];

/** Values no store accepts. */
const INVALID_VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['a number', 42],
  ['null', null],
  ['undefined', undefined],
  ['an object', { value: 'x' }],
];

/** Invalid names and values, and values kept out of errors and string forms. */
export function registerSecretStoreErrors({ store, capabilities, timeoutMs }: SecretStoreSuite): void {
  it(
    'get(name), set(name, value) and delete(name) with an invalid name throw INVALID_INPUT and change nothing',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'kept-value');
      const before = await secrets.list();
      for (const [label, name] of INVALID_NAMES) {
        await expectWardenError(() => untyped(secrets).get(name), 'INVALID_INPUT', `get ${label}`);
        await expectWardenError(() => untyped(secrets).set(name, 'value'), 'INVALID_INPUT', `set ${label}`);
        await expectWardenError(() => untyped(secrets).delete(name), 'INVALID_INPUT', `delete ${label}`);
      }
      expect(await secrets.list()).toEqual(before);
      expect(await secrets.get(first)).toBe('kept-value');
    },
    timeoutMs,
  );

  it(
    'set(name, value) with a value that is not a string throws INVALID_INPUT and keeps the previous value',
    async () => {
      const secrets = await store();
      await secrets.set(first, 'kept-value');
      for (const [label, value] of INVALID_VALUES) {
        const error = await expectWardenError(() => untyped(secrets).set(first, value), 'INVALID_INPUT', label);
        // InvalidInputError's issues name the field at fault: the value, not the name.
        expect(
          (error as InvalidInputError).issues.map((issue) => issue.path),
          label,
        ).toContain('value');
      }
      expect(await secrets.get(first)).toBe('kept-value');
    },
    timeoutMs,
  );

  it(
    capabilities.emptyValues
      ? "set(name, '') stores an empty value"
      : "set(name, '') throws INVALID_INPUT and keeps the previous value",
    async () => {
      const secrets = await store();
      await secrets.set(first, 'kept-value');
      if (capabilities.emptyValues) {
        await secrets.set(first, '');
        expect(await secrets.get(first)).toBe('');
        return;
      }
      await expectWardenError(() => secrets.set(first, ''), 'INVALID_INPUT');
      expect(await secrets.get(first)).toBe('kept-value');
    },
    timeoutMs,
  );

  it(
    'values never appear in errors, toString(), JSON or inspect output',
    async () => {
      const secrets = await store();
      const value = 'Warden_Contract_Secret_Value_8c1f!';
      await secrets.set(first, value);
      for (const text of [String(secrets), inspect(secrets, { depth: 5 }), JSON.stringify(secrets) ?? '']) {
        expect(text.includes(value), `the value appears in ${text.slice(0, 80)}`).toBe(false);
      }
      const error = await expectWardenError(() => untyped(secrets).set('', value), 'INVALID_INPUT');
      expect(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`.includes(value)).toBe(false);

      // Swapped arguments put the value where the name belongs: no store may accept it as a name, nor echo it.
      const swapped = await expectWardenError(() => secrets.set(value, first), 'INVALID_INPUT', 'set(value, name)');
      const text = `${swapped.message}\n${swapped.stack}\n${JSON.stringify(swapped)}`;
      expect(text.includes(value), 'the value appears in the error for set(value, name)').toBe(false);
      expect(await secrets.list()).not.toContain(value);
      expect(await secrets.get(first)).toBe(value);
    },
    timeoutMs,
  );
}
