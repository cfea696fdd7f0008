import type { InvalidInputError, JITCredentialIssuer } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import type { IssuerSuite } from './harness.js';

/**
 * Issue options every issuer refuses: a subject that is empty, too long or has control
 * characters, unknown fields, anything but an object; with the field the error's issues must
 * name (`subject`, or `""` for the options object itself, as `InputIssue.path` defines).
 */
const INVALID_OPTIONS: ReadonlyArray<readonly [string, unknown, string]> = [
  ["{ subject: '' }", { subject: '' }, 'subject'],
  ['a subject with a line break', { subject: 'agent\n7' }, 'subject'],
  ['a subject with a tab', { subject: 'agent\t7' }, 'subject'],
  ['a subject with a non-ASCII character', { subject: 'agént-7' }, 'subject'],
  ['a subject of 257 characters', { subject: 'a'.repeat(257) }, 'subject'],
  ['{ subject: 42 }', { subject: 42 }, 'subject'],
  ['an unknown field', { subject: 'agent-7', admin: true }, ''],
  ['a string', 'agent-7', ''],
  ['a number', 42, ''],
  ['null', null, ''],
  ['an empty array', [], ''],
];

/** Reaches `issue` with options its types forbid, the way untrusted callers do. */
function untypedIssue(
  issuer: JITCredentialIssuer,
): (scope: string[], ttl: string, options: unknown) => Promise<unknown> {
  return (scope, ttl, options) =>
    (issuer.issue as (scope: string[], ttl: string, options: unknown) => Promise<unknown>).call(
      issuer,
      scope,
      ttl,
      options,
    );
}

/** Issue options are validated at the boundary like every other argument. */
export function registerIssuerOptions({ harness, scope, timeoutMs }: IssuerSuite): void {
  it(
    'issue(scope, ttl, options) with invalid options throws INVALID_INPUT naming the field at fault',
    async () => {
      const { issuer } = await harness();
      for (const [label, options, field] of INVALID_OPTIONS) {
        const error = await expectWardenError(
          () => untypedIssue(issuer)(scope, '15m', options),
          'INVALID_INPUT',
          label,
        );
        expect(
          (error as InvalidInputError).issues.map((issue) => issue.path),
          label,
        ).toContain(field);
      }
    },
    timeoutMs,
  );

  it(
    'issue(scope, ttl, options) accepts no options, an empty object and any subject of 1–256 printable characters, spaces included',
    async () => {
      const { issuer } = await harness();
      const subjects = ['agent-7', 'agent 7 (session 12)', 'a'.repeat(256), '~'];
      for (const options of [undefined, {}, ...subjects.map((subject) => ({ subject }))]) {
        const credential = await issuer.issue(scope, '15m', options);
        expect(await issuer.isValid(credential.id), JSON.stringify(options)).toBe(true);
      }
    },
    timeoutMs,
  );
}
