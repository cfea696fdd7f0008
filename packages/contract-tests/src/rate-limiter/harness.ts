import type { RateLimiter } from '@warden/core';
import { expect } from 'vitest';
import { type CreatePeer, usePeer, useSubject } from '../subject.js';
import type { ContractClock, ContractOptions, ContractSubject } from '../types.js';

/** Optional behaviour a rate limiter may declare. */
export interface RateLimiterContractCapabilities {
  /**
   * `createSubject` returns a `clock` that moves the limiter's time, so windows are tested to the
   * millisecond without sleeping. A backend whose windows are timed elsewhere (Redis key expiry)
   * sets it to `false`: the window tests then use a short real window and wait for it to end.
   * @default true
   */
  clock: boolean;
  /**
   * Two instances on the same backend (as two processes would open them) share their counts,
   * and never both take the last slot. Needs {@link RateLimiterContractOptions.createPeer}.
   * @default false
   */
  crossInstance: boolean;
}

/** The capabilities assumed when a backend does not say otherwise. */
export const DEFAULT_RATE_LIMITER_CAPABILITIES: RateLimiterContractCapabilities = { clock: true, crossInstance: false };

/** A fresh limiter for one test, the clock it reads (when it has one), and how to clean it up. */
export interface RateLimiterContractSubject extends ContractSubject<RateLimiter> {
  /** Moves the limiter's time forward; required unless `capabilities.clock` is `false`. */
  clock?: ContractClock;
}

/** Options for `runRateLimiterContract`. */
export interface RateLimiterContractOptions
  extends Omit<ContractOptions<RateLimiter, RateLimiterContractCapabilities>, 'createSubject'> {
  /** Creates a fresh, isolated limiter (and its clock) for one test: no key of it counted yet. */
  createSubject: () => Promise<RateLimiterContractSubject>;
  /**
   * Creates another instance of the same limiter as `subject` (same backend, same key space), as
   * a second process would. Required when `capabilities.crossInstance` is on.
   */
  createPeer?: CreatePeer<RateLimiter>;
}

/** A limiter under test and a way to move its time. */
interface RateLimiterHarness {
  /** The subject. */
  limiter: RateLimiter;
  /** Moves the limiter's clock; fails the test when the subject returned no clock. */
  advance(milliseconds: number): Promise<void>;
}

/** What each registration function of the rate limiter suite receives. */
export interface RateLimiterSuite {
  /** Creates the harness for the current test; cleaned up even when the test fails. */
  harness: () => Promise<RateLimiterHarness>;
  /** Opens another instance of the given limiter, cleaned up after the test. */
  peer: (subject: RateLimiter) => Promise<RateLimiter>;
  /** The backend's capabilities, defaults filled in. */
  capabilities: RateLimiterContractCapabilities;
  /** Per-test timeout, when the backend asked for one. */
  timeoutMs: number | undefined;
}

/** Builds the {@link RateLimiterSuite} for `runRateLimiterContract`. */
export function createRateLimiterSuite(options: RateLimiterContractOptions): RateLimiterSuite {
  const harness = useSubject<RateLimiterHarness>({
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
      return { subject: { limiter: made.subject, advance }, cleanup: made.cleanup };
    },
  });
  return {
    harness,
    peer: usePeer(`runRateLimiterContract(${options.name})`, options.createPeer),
    capabilities: { ...DEFAULT_RATE_LIMITER_CAPABILITIES, ...options.capabilities },
    timeoutMs: options.testTimeoutMs,
  };
}

/** A window no test outlives, so counts never reset in the middle of a test. */
export const LONG_WINDOW_MS = 3_600_000;
