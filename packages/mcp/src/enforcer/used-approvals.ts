/**
 * The record of which approvals were already used: an approval lets exactly one call through.
 * Kept in a `RateLimiter` (limit 1 per approval id), so a shared one (`createRedisRateLimiter`)
 * makes "used once" hold across every replica.
 *
 * @module
 */
import type { RateLimiter } from '@warden/core';

/** How long the record of a used approval is kept: longer than approval records are retained (30 days). */
const USED_APPROVAL_WINDOW_MS = 35 * 86_400_000;

const MAX_MEMORY_ENTRIES = 100_000;

/** Marks an approval used; true only for the first call that does so. @throws when the limiter cannot answer. */
export async function markApprovalUsed(usedApprovals: RateLimiter, approvalId: string): Promise<boolean> {
  const decision = await usedApprovals.consume(`mcp:approval-used:${approvalId}`, {
    limit: 1,
    windowMs: USED_APPROVAL_WINDOW_MS,
  });
  return decision.allowed;
}

/**
 * The default in this process's memory. Bounded: when full, it refuses (an approved call is then
 * denied, never let through twice).
 */
export function createMemoryUsedApprovals(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    specificationVersion: 'rate-limiter-v1',
    providerId: 'mcp-memory',
    async consume(key, { limit, windowMs }) {
      const time = now();
      let window = windows.get(key);
      if (window !== undefined && window.resetAt <= time) {
        windows.delete(key);
        window = undefined;
      }
      if (window === undefined) {
        if (windows.size >= MAX_MEMORY_ENTRIES) prune(windows, time);
        if (windows.size >= MAX_MEMORY_ENTRIES) return { allowed: false, remaining: 0, resetAt: time + windowMs };
        window = { count: 0, resetAt: time + windowMs };
        windows.set(key, window);
      }
      if (window.count >= limit) return { allowed: false, remaining: 0, resetAt: window.resetAt };
      window.count += 1;
      return { allowed: true, remaining: limit - window.count, resetAt: window.resetAt };
    },
  };
}

function prune(windows: Map<string, { resetAt: number }>, time: number): void {
  for (const [key, window] of windows) if (window.resetAt <= time) windows.delete(key);
}
