import { describe, expect, it } from 'vitest';
import type { RedisClient } from './config.js';
import { defineRedisScript } from './script.js';

/** A client whose pipeline answers `replies` and records what was queued on it. */
function pipelineClient(...answers: Array<Array<[Error | null, unknown]>>): { client: RedisClient; sent: string[][] } {
  const sent: string[][] = [];
  const client = {
    pipeline() {
      const queued: string[] = [];
      sent.push(queued);
      const pipeline = {
        evalsha: () => queued.push('evalsha') && pipeline,
        eval: () => queued.push('eval') && pipeline,
        call: (name: string) => queued.push(name) && pipeline,
        exec: async () => answers.shift() ?? [],
      };
      return pipeline;
    },
  };
  return { client: client as unknown as RedisClient, sent };
}

describe('RedisScript.runThenWait', () => {
  const script = defineRedisScript('return 1');

  it('sends the script and WAIT in one pipeline (one connection), falling back to EVAL on NOSCRIPT', async () => {
    const { client, sent } = pipelineClient(
      [
        [new Error('NOSCRIPT No matching script'), null],
        [null, 1],
      ],
      [
        [null, 1],
        [null, 1],
      ],
    );
    expect(await script.runThenWait(client, ['k'], [], 1, 500)).toEqual({ result: 1, acknowledged: 1 });
    expect(sent).toEqual([
      ['evalsha', 'WAIT'],
      ['eval', 'WAIT'],
    ]);
  });

  it('counts a WAIT reply that is not a count (garbage) as no acknowledgement, never NaN', async () => {
    for (const garbage of ['many', null, '1.5', [1]]) {
      const { client } = pipelineClient([
        [null, 1],
        [null, garbage],
      ]);
      expect((await script.runThenWait(client, ['k'], [], 1, 500)).acknowledged).toBe(0);
    }
  });
});
