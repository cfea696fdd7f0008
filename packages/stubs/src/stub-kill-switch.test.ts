import { describe, expect, it } from 'vitest';
import { createStubKillSwitch } from './stub-kill-switch.js';

describe('createStubKillSwitch()', () => {
  it('runs the seed example as written', async () => {
    const ks = createStubKillSwitch();
    expect(await ks.isActive()).toBe(false);
    await ks.activate('Security incident detected');
    expect(await ks.isActive()).toBe(true);
    expect(await ks.getReason()).toBe('Security incident detected');
    await ks.deactivate();
    expect(await ks.isActive()).toBe(false);
  });

  it('records every call for assertions', async () => {
    const ks = createStubKillSwitch({ now: () => 0 });
    await ks.activate('x', { actor: 'ops' });
    await ks.deactivate();
    expect(ks.calls.map((call) => call.method)).toEqual(['activate', 'deactivate']);
    expect((await ks.getState()).changedAt).toBe('1970-01-01T00:00:00.000Z');
  });

  it('reports a listener that throws to onError and still notifies the others', async () => {
    const errors: unknown[] = [];
    const ks = createStubKillSwitch({ onError: (error) => errors.push(error) });
    const heard: boolean[] = [];
    ks.onChange(() => {
      throw new Error('listener failure');
    });
    ks.onChange((state) => heard.push(state.active));
    await ks.activate('incident');
    expect(heard).toEqual([true]);
    expect(errors).toEqual([new Error('listener failure')]);
  });

  it('an onError that throws (one that rethrows) neither keeps the stop from holding nor stops the other listeners, as in the Redis switch', async () => {
    const rethrow = (error: unknown): never => {
      throw error;
    };
    // A broken clock reported to a rethrowing hook threw out of activate() before the stop held.
    const ks = createStubKillSwitch({ now: () => Number.NaN, onError: rethrow });
    const heard: boolean[] = [];
    ks.onChange(() => {
      throw new Error('listener failure');
    });
    ks.onChange((state) => heard.push(state.active));
    await ks.activate('incident', { actor: 'ops' });
    expect(await ks.isActive()).toBe(true);
    expect(await ks.getReason()).toBe('incident');
    await ks.deactivate();
    expect(await ks.isActive()).toBe(false);
    expect(heard).toEqual([true, false]);
  });

  it('activate(reason) with a clock that returns no time (NaN, Infinity, past a Date) still stops everything, as the Redis switch does', async () => {
    // A broken clock threw out of activate() before the stop held: the emergency stop failed open.
    for (const reading of [Number.NaN, Number.POSITIVE_INFINITY, 9e15, '2026' as unknown as number]) {
      const errors: unknown[] = [];
      const ks = createStubKillSwitch({ now: () => reading, onError: (error) => errors.push(error) });
      await ks.activate('incident', { actor: 'ops' });
      expect(await ks.isActive()).toBe(true);
      expect((await ks.getState()).changedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      await ks.deactivate();
      expect(await ks.isActive()).toBe(false);
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatchObject({ code: 'INVALID_INPUT' });
    }
  });
});
