import { type JITCredentialIssuer, NotFoundError } from '@warden/core';
import { expect, it } from 'vitest';
import { expectWardenError } from '../expect-error.js';
import type { IssuerSuite } from './harness.js';

/** TTLs every issuer refuses: zero, negative, fractional, non-finite, malformed and absurd. */
function invalidTtls(maxTtlMs: number): ReadonlyArray<readonly [string, unknown]> {
  return [
    ['0', 0],
    ['-1', -1],
    ['-60000', -60_000],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    [`maxTtlMs + 1 (${maxTtlMs + 1})`, maxTtlMs + 1],
    ['Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ["''", ''],
    ["'0s'", '0s'],
    ["'-5m'", '-5m'],
    ["'15' (no unit)", '15'],
    ["'15 m'", '15 m'],
    ["'1w'", '1w'],
    ["'1.5h'", '1.5h'],
    ["'1e3'", '1e3'],
    ["'abc'", 'abc'],
    ["'99999999d'", '99999999d'],
    ['null', null],
    ['undefined', undefined],
    ['an object', {}],
  ];
}

/** Scope lists every issuer refuses. */
const INVALID_SCOPES: ReadonlyArray<readonly [string, unknown]> = [
  ['[]', []],
  ["['']", ['']],
  ["['has space']", ['has space']],
  ['an entry of 201 characters', ['x'.repeat(201)]],
  ['a string instead of a list', 'contract:read'],
  ['[42]', [42]],
  ['null', null],
  ['101 entries', Array.from({ length: 101 }, (_, index) => `scope:${index}`)],
];

/** Reaches `issue` with inputs its types forbid, the way untrusted callers do. */
function untypedIssue(issuer: JITCredentialIssuer): (scope: unknown, ttl: unknown) => Promise<unknown> {
  return (scope, ttl) => (issuer.issue as (scope: unknown, ttl: unknown) => Promise<unknown>).call(issuer, scope, ttl);
}

/** Invalid TTLs and scopes, unknown and malformed ids. */
export function registerIssuerErrors({ harness, capabilities, scope, timeoutMs }: IssuerSuite): void {
  it(
    'issue(scope, ttl) with a zero, negative, fractional, malformed or absurd TTL throws INVALID_INPUT',
    async () => {
      const { issuer } = await harness();
      for (const [label, ttl] of invalidTtls(capabilities.maxTtlMs)) {
        await expectWardenError(() => untypedIssue(issuer)(scope, ttl), 'INVALID_INPUT', `ttl ${label}`);
      }
    },
    timeoutMs,
  );

  it(
    'issue(scope, ttl) with an empty or malformed scope throws INVALID_INPUT',
    async () => {
      const { issuer } = await harness();
      for (const [label, invalidScope] of INVALID_SCOPES) {
        await expectWardenError(() => untypedIssue(issuer)(invalidScope, '15m'), 'INVALID_INPUT', `scope ${label}`);
      }
    },
    timeoutMs,
  );

  it(
    'revoke(id) of an id never issued throws CredentialNotFoundError',
    async () => {
      const { issuer } = await harness();
      const error = await expectWardenError(
        () => issuer.revoke('warden-contract-never-issued'),
        'CREDENTIAL_NOT_FOUND',
      );
      expect(NotFoundError.isInstance(error)).toBe(true);
      expect((error as NotFoundError).id, 'the error names the id it did not find').toBe(
        'warden-contract-never-issued',
      );
    },
    timeoutMs,
  );

  it(
    "revoke('') throws INVALID_INPUT",
    async () => {
      const { issuer } = await harness();
      await expectWardenError(() => issuer.revoke(''), 'INVALID_INPUT');
    },
    timeoutMs,
  );
}
