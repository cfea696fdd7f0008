import { runRateLimiterContract } from '@warden/contract-tests';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

runRateLimiterContract({
  name: 'memory',
  createSubject: async () => {
    let time = Date.UTC(2026, 0, 1);
    const subject = createMemoryRateLimiter({ now: () => time });
    const clock = {
      advance: (milliseconds: number) => {
        time += milliseconds;
      },
    };
    return { subject, clock, cleanup: async () => {} };
  },
});
