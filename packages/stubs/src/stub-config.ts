/**
 * Reading a stub factory's configuration the way the real backends read theirs.
 *
 * @module
 */
import { InvalidInputError } from '@warden/core';

/** What an option must be: a function (a clock, a hook), an object, or a number (checked further by the factory). */
export type OptionKind = 'function' | 'object' | 'number';

/**
 * A stub factory's configuration as a null-prototype copy of its own fields, each read once.
 * `undefined` is no options. Anything but an object, a getter, or a key the factory does not know
 * (a typo such as `tierz`, or `approvers`, which only `@warden/approvals` reads) is
 * `INVALID_INPUT` naming it, as the real backends refuse it: a misspelt option must not leave a
 * test, or a host running on the embedded default, silently without the rule it meant to set. A
 * field the caller never set cannot come from a polluted `Object.prototype`.
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`) naming the option at fault.
 */
export function readStubConfig<Config extends object>(
  config: Config | undefined,
  factory: string,
  known: { readonly [Key in keyof Required<Config>]: OptionKind },
): Partial<Config> {
  const copy: Partial<Config> = Object.create(null);
  if (config === undefined) return copy;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalidOption(factory, '', 'must be an object of options');
  }
  const kinds: Readonly<Record<string, OptionKind>> = known;
  for (const key of Object.getOwnPropertyNames(config)) {
    const kind = Object.hasOwn(kinds, key) ? kinds[key] : undefined;
    if (kind === undefined) {
      throw invalidOption(factory, key, `is not an option (known: ${Object.keys(kinds).join(', ')})`);
    }
    const descriptor = Reflect.getOwnPropertyDescriptor(config, key) as PropertyDescriptor;
    if (!Object.hasOwn(descriptor, 'value')) throw invalidOption(factory, key, 'must be a data property, not a getter');
    const value: unknown = descriptor.value;
    if (value === undefined) continue;
    if (kind === 'object' ? typeof value !== 'object' || value === null : typeof value !== kind) {
      throw invalidOption(factory, key, `must be ${kind === 'object' ? 'an object' : `a ${kind}`}`);
    }
    (copy as Record<string, unknown>)[key] = value;
  }
  return copy;
}

function invalidOption(factory: string, path: string, message: string): InvalidInputError {
  return new InvalidInputError({
    message: `Invalid ${factory} config: ${path === '' ? message : `${path} ${message}`}`,
    issues: [{ path, message }],
  });
}
