/**
 * `@warden/gateway`: routes untrusted requests through gateway sessions, forward rules, rate
 * limits and approval.
 *
 * @packageDocumentation
 */
export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-rate-limiter.js';
