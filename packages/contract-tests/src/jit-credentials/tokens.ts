import { InvalidInputError, WardenError } from '@warden/core';
import { expect, it } from 'vitest';
import type { IssuerSuite } from './harness.js';

function commonPrefixLength(values: readonly string[]): number {
  const first = values[0] ?? '';
  let length = 0;
  while (length < first.length && values.every((value) => value[length] === first[length])) length += 1;
  return length;
}

/** Tokens: distinct, random-looking, never usable as ids and never echoed in errors. */
export function registerIssuerTokens({ harness, scope, timeoutMs }: IssuerSuite): void {
  it(
    'issue() called concurrently returns distinct ids and distinct, random-looking tokens',
    async () => {
      const { issuer } = await harness();
      const credentials = await Promise.all(Array.from({ length: 10 }, () => issuer.issue(scope, '15m')));
      const tokens = credentials.map((credential) => credential.token);
      expect(new Set(tokens).size).toBe(10);
      expect(new Set(credentials.map((credential) => credential.id)).size).toBe(10);

      // A fixed prefix (like GitHub's "ghs_") is fine; what follows must look random.
      const prefix = commonPrefixLength(tokens);
      for (const credential of credentials) {
        const randomPart = credential.token.slice(prefix);
        expect(randomPart.length, 'random part of the token').toBeGreaterThanOrEqual(16);
        expect(new Set(randomPart).size, 'distinct characters in the token').toBeGreaterThanOrEqual(8);
        expect(credential.token).not.toContain(credential.id);
        expect(credential.id).not.toContain(credential.token);
      }
    },
    timeoutMs,
  );

  it(
    'revoke(token) and isValid(token) never accept a token as an id, nor echo it in the error',
    async () => {
      const { issuer } = await harness();
      const { id, token } = await issuer.issue(scope, '15m');
      expect(await issuer.isValid(token)).toBe(false);

      const error = await Promise.resolve()
        .then(() => issuer.revoke(token))
        .then(
          () => expect.fail('revoke(token) resolved: a token must not be accepted as a credential id'),
          (caught: unknown) => caught,
        );
      expect(WardenError.isInstance(error), String(error)).toBe(true);
      expect(['CREDENTIAL_NOT_FOUND', 'INVALID_INPUT']).toContain((error as WardenError).code);
      expect(String((error as Error).message).trim(), 'the error explains itself').not.toBe('');
      if (InvalidInputError.isInstance(error)) {
        // Which path names the argument differs (`credentialId`, or `""` for the value itself).
        expect(error.issues.length, 'INVALID_INPUT names the field at fault').toBeGreaterThan(0);
        for (const issue of error.issues) expect(issue.message.trim(), 'issue message').not.toBe('');
      }
      const exposed = [String((error as Error).message), String((error as Error).stack), JSON.stringify(error)];
      for (const text of exposed) expect(text.includes(token), 'the token appears in the error').toBe(false);
      expect(await issuer.isValid(id)).toBe(true);
    },
    timeoutMs,
  );
}
