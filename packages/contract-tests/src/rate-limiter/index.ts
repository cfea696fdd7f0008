import { describe } from 'vitest';
import { registerRateLimiterBasics } from './basic.js';
import { registerRateLimiterConcurrency, registerRateLimiterCrossInstance } from './concurrency.js';
import { registerRateLimiterErrors } from './errors.js';
import { createRateLimiterSuite, type RateLimiterContractOptions } from './harness.js';
import { registerRateLimiterClockedWindows, registerRateLimiterRealWindows } from './windows.js';

export {
  DEFAULT_RATE_LIMITER_CAPABILITIES,
  type RateLimiterContractCapabilities,
  type RateLimiterContractOptions,
  type RateLimiterContractSubject,
} from './harness.js';

/**
 * Runs the `RateLimiter` contract suite against a backend: exactly `limit` events per window,
 * refused events not counted, keys counted apart, windows that start at a key's first event and
 * end exactly `windowMs` later (to the millisecond with a `clock`; with a short real window
 * otherwise), invalid limits and keys refused without counting, and no two concurrent calls
 * taking the last slot (across two instances with `crossInstance`).
 *
 * @example
 * runRateLimiterContract({
 *   name: 'memory',
 *   createSubject: async () => {
 *     let time = Date.UTC(2026, 0, 1);
 *     const subject = createMemoryRateLimiter({ now: () => time });
 *     return { subject, clock: { advance: (ms) => void (time += ms) }, cleanup: async () => {} };
 *   },
 * });
 */
export function runRateLimiterContract(options: RateLimiterContractOptions): void {
  if (options.capabilities?.crossInstance && !options.createPeer) {
    throw new Error(`runRateLimiterContract(${options.name}): crossInstance needs createPeer`);
  }
  describe(`RateLimiter contract: ${options.name}`, () => {
    const suite = createRateLimiterSuite(options);
    describe('basic', () => registerRateLimiterBasics(suite));
    describe('windows', () => {
      if (suite.capabilities.clock) registerRateLimiterClockedWindows(suite);
      else registerRateLimiterRealWindows(suite);
    });
    describe('errors', () => registerRateLimiterErrors(suite));
    describe('concurrency', () => {
      registerRateLimiterConcurrency(suite);
      if (suite.capabilities.crossInstance) registerRateLimiterCrossInstance(suite);
    });
  });
}
