import { createHash } from 'node:crypto';
import { expect, it, vi } from 'vitest';
import type { IssuerSuite } from './harness.js';

/** The shortest random part accepted: 16 bytes (128 bits) in base64url. */
const MIN_RANDOM_CHARACTERS = 22;

/** What a token derived from the id would contain: the id itself, encoded or hashed. */
function derivationsOf(id: string): string[] {
  const bytes = Buffer.from(id);
  const digests = ['sha256', 'sha1', 'md5'].map((algorithm) => createHash(algorithm).update(id).digest());
  return [bytes, ...digests].flatMap((buffer) => [
    buffer.toString('hex'),
    buffer.toString('base64').replace(/=+$/, ''),
    buffer.toString('base64url'),
  ]);
}

function commonPrefixLength(values: readonly string[]): number {
  const first = values[0] ?? '';
  let length = 0;
  while (length < first.length && values.every((value) => value[length] === first[length])) length += 1;
  return length;
}

/**
 * Tokens nobody can predict, as far as can be checked from outside: distinct, long, not drawn
 * from `Math.random`, and not a function of the credential id. What cannot be checked from
 * outside: that the source is a CSPRNG rather than a seeded generator, or a derivation from a
 * secret the suite does not know. Those need a review of the backend's code.
 */
export function registerIssuerUnpredictableTokens({ harness, scope, timeoutMs }: IssuerSuite): void {
  it(
    'issue() returns tokens whose random part is at least 22 characters (128 bits)',
    async () => {
      const { issuer } = await harness();
      const credentials = await Promise.all(Array.from({ length: 5 }, () => issuer.issue(scope, '15m')));
      const tokens = credentials.map((credential) => credential.token);
      // A fixed prefix (like GitHub's "ghs_") is fine; what follows is what nobody may guess.
      const prefix = commonPrefixLength(tokens);
      for (const token of tokens) expect(token.slice(prefix).length).toBeGreaterThanOrEqual(MIN_RANDOM_CHARACTERS);
    },
    timeoutMs,
  );

  it(
    'issue() returns distinct tokens even when Math.random returns a constant (tokens come from a CSPRNG)',
    async () => {
      const { issuer } = await harness();
      const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
      try {
        const tokens: string[] = [];
        for (let index = 0; index < 5; index += 1) tokens.push((await issuer.issue(scope, '15m')).token);
        expect(new Set(tokens).size, 'tokens repeat when Math.random repeats').toBe(5);
      } finally {
        random.mockRestore();
      }
    },
    timeoutMs,
  );

  it(
    'issue() returns a token that is no encoding or hash of its credential id',
    async () => {
      const { issuer } = await harness();
      for (let index = 0; index < 3; index += 1) {
        const { id, token } = await issuer.issue(scope, '15m');
        for (const derived of derivationsOf(id)) {
          expect(token.includes(derived.slice(0, 16)), 'the token contains an encoding or hash of the id').toBe(false);
        }
        expect(token).not.toContain(id);
      }
    },
    timeoutMs,
  );

  it(
    'issue() on two fresh issuers never returns the same token, even for the same credential id',
    async () => {
      const first = await harness();
      const second = await harness();
      const fromFirst = await first.issuer.issue(scope, '15m');
      const fromSecond = await second.issuer.issue(scope, '15m');
      // Predictable ids (the same on both) are allowed; tokens that follow from them are not.
      expect(fromFirst.token).not.toBe(fromSecond.token);
    },
    timeoutMs,
  );
}
