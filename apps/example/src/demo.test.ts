import { describe, expect, it } from 'vitest';
import { runDemo } from './test-host.js';

describe('the demo (pnpm demo)', () => {
  it('prints every step on the embedded default, shuts the host down and exits 0 by itself', async () => {
    const { DOCKER_HOST: _docker, REDIS_URL: _redis, WARDEN_AUDIT_LOG: _log, ...env } = process.env;
    const { code, output } = await runDemo(env);
    expect(output).toContain('9. The operator releases the switch');
    expect(output).toContain('read_text_file → denied KILL_SWITCH_ACTIVE');
    expect(output).toContain('backends: sandbox stub, kill switch stub, approvals memory, rate limits memory');
    expect(output).toContain('Demo finished: the host shut down cleanly.');
    expect(code).toBe(0);
  }, 120_000);
});
