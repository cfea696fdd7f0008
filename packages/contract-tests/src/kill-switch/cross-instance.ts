import type { KillSwitch, KillSwitchState } from '@warden/core';
import { afterEach, expect, it, vi } from 'vitest';
import type { ContractSubject } from '../types.js';

/** How long a change may take to reach another instance in the contract (the real bound is far lower). */
const PROPAGATION_TIMEOUT_MS = 30_000;

/** Creates a second instance of the same switch as the given subject. */
export type CreateKillSwitchPeer = (subject: KillSwitch) => Promise<ContractSubject<KillSwitch>>;

const eventually = (assertion: () => Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: PROPAGATION_TIMEOUT_MS, interval: 20 });

/** A change made by one instance is seen by another instance of the same switch. */
export function registerKillSwitchCrossInstance(
  subject: () => Promise<KillSwitch>,
  createPeer: CreateKillSwitchPeer,
): void {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const pair = async (): Promise<[KillSwitch, KillSwitch]> => {
    const first = await subject();
    const peer = await createPeer(first);
    cleanups.push(peer.cleanup);
    return [first, peer.subject];
  };

  it('activate(reason, { actor }) on one instance is seen by another: isActive, getReason, getState', async () => {
    const [first, second] = await pair();
    expect(await second.isActive()).toBe(false);
    await first.activate('Security incident detected', { actor: 'alice' });
    await eventually(async () => expect(await second.isActive()).toBe(true));
    expect(await second.getReason()).toBe('Security incident detected');
    expect(await second.getState()).toMatchObject({ active: true, actor: 'alice' });
  });

  it('deactivate() on the other instance is seen by the first', async () => {
    const [first, second] = await pair();
    await first.activate('drill');
    await eventually(async () => expect(await second.isActive()).toBe(true));
    await second.deactivate({ actor: 'bob' });
    await eventually(async () => expect(await first.isActive()).toBe(false));
    expect(await first.getState()).toMatchObject({ active: false, actor: 'bob' });
  });

  it('onChange(listener) on one instance hears a change made by another', async () => {
    const [first, second] = await pair();
    await second.isActive();
    const heard: KillSwitchState[] = [];
    second.onChange((state) => heard.push(state));
    await first.activate('heard elsewhere', { actor: 'alice' });
    await eventually(async () => expect(heard).toHaveLength(1));
    expect(heard[0]).toMatchObject({ active: true, reason: 'heard elsewhere', actor: 'alice' });
  });

  it('a re-activation with a new reason replaces the reason on the other instance', async () => {
    const [first, second] = await pair();
    await first.activate('first reason');
    await eventually(async () => expect(await second.getReason()).toBe('first reason'));
    await first.activate('second reason');
    await eventually(async () => expect(await second.getReason()).toBe('second reason'));
  });

  it('an instance created after activate(reason) sees the switch active at once', async () => {
    const first = await subject();
    await first.activate('already active');
    const late = await createPeer(first);
    cleanups.push(late.cleanup);
    expect(await late.subject.isActive()).toBe(true);
    expect(await late.subject.getReason()).toBe('already active');
  });
}
