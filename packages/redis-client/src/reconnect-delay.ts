/** Longest pause between two reconnection attempts, so a returning Redis is found quickly. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** Reconnects with a short, capped backoff (ioredis's default waits up to 5 s). */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
}
