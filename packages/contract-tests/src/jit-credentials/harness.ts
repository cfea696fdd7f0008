import { type JITCredential, type JITCredentialIssuer, MAX_TTL_MS } from '@warden/core';
import { expect } from 'vitest';
import { useSubject } from '../subject.js';
import type { ContractClock, ContractOptions, ContractSubject } from '../types.js';

/** Optional behaviour and limits a credential issuer may declare. */
export interface JITCredentialIssuerContractCapabilities {
  /**
   * `createSubject` returns a `clock` that moves the issuer's time, so expiry is tested without
   * sleeping. Set to `false` only for a backend whose time cannot be injected; the expiry tests
   * are then left out.
   * @default true
   */
  clock: boolean;
  /** The longest TTL the backend accepts, in milliseconds; one more must be refused. @default MAX_TTL_MS (30 days) */
  maxTtlMs: number;
  /**
   * How far `expiresAt - issuedAt` may be from the TTL asked for, for backends that round
   * times (for example to whole seconds). @default 0
   */
  ttlGranularityMs: number;
}

/** The capabilities assumed when a backend does not say otherwise. */
export const DEFAULT_JIT_CREDENTIAL_CAPABILITIES: JITCredentialIssuerContractCapabilities = {
  clock: true,
  maxTtlMs: MAX_TTL_MS,
  ttlGranularityMs: 0,
};

/** A fresh issuer for one test, the clock it reads (when it has one), and how to clean it up. */
export interface JITCredentialIssuerContractSubject extends ContractSubject<JITCredentialIssuer> {
  /** Moves the issuer's time forward; required unless `capabilities.clock` is `false`. */
  clock?: ContractClock;
}

/** Options for `runJITCredentialIssuerContract`. */
export interface JITCredentialIssuerContractOptions
  extends Omit<ContractOptions<JITCredentialIssuer, JITCredentialIssuerContractCapabilities>, 'createSubject'> {
  /** Creates a fresh, isolated issuer (and its clock) for one test. */
  createSubject: () => Promise<JITCredentialIssuerContractSubject>;
  /** A scope list the backend accepts, used for every `issue` call. @default ['contract:read'] */
  scope?: string[];
}

/** An issuer under test, with the scope to ask for and a way to move its time. */
interface IssuerHarness {
  /** The subject. */
  issuer: JITCredentialIssuer;
  /** Moves the issuer's clock; fails the test when the subject returned no clock. */
  advance(milliseconds: number): Promise<void>;
}

/** What each registration function of the credential suite receives. */
export interface IssuerSuite {
  /** Creates the harness for the current test; cleaned up even when the test fails. */
  harness: () => Promise<IssuerHarness>;
  /** The backend's capabilities, defaults filled in. */
  capabilities: JITCredentialIssuerContractCapabilities;
  /** The scope list every `issue` call uses. */
  scope: string[];
  /** Per-test timeout, when the backend asked for one. */
  timeoutMs: number | undefined;
}

/** Builds the {@link IssuerSuite} for `runJITCredentialIssuerContract`. */
export function createIssuerSuite(options: JITCredentialIssuerContractOptions): IssuerSuite {
  const harness = useSubject<IssuerHarness>({
    name: options.name,
    createSubject: async () => {
      const made = await options.createSubject();
      const advance = async (milliseconds: number): Promise<void> => {
        if (!made.clock) {
          expect.fail(
            'createSubject() returned no clock: return { subject, cleanup, clock } or set capabilities.clock to false',
          );
        }
        await made.clock.advance(milliseconds);
      };
      return { subject: { issuer: made.subject, advance }, cleanup: made.cleanup };
    },
  });
  return {
    harness,
    capabilities: { ...DEFAULT_JIT_CREDENTIAL_CAPABILITIES, ...options.capabilities },
    scope: options.scope ?? ['contract:read'],
    timeoutMs: options.testTimeoutMs,
  };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** Checks a credential's fields and that it lives for `ttlMs` (within the backend's granularity). */
export function expectCredential(
  credential: JITCredential,
  scope: readonly string[],
  ttlMs: number,
  granularityMs: number,
): void {
  expect(typeof credential.id).toBe('string');
  expect(credential.id.length).toBeGreaterThan(0);
  expect(typeof credential.token).toBe('string');
  expect(credential.scope).toEqual(scope);
  expect(credential.issuedAt).toMatch(ISO_TIME);
  expect(credential.expiresAt).toMatch(ISO_TIME);
  const lifetime = Date.parse(credential.expiresAt) - Date.parse(credential.issuedAt);
  expect(
    Math.abs(lifetime - ttlMs),
    `expiresAt - issuedAt = ${lifetime} ms for a TTL of ${ttlMs} ms`,
  ).toBeLessThanOrEqual(granularityMs);
}
