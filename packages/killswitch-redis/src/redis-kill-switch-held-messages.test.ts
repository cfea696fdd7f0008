import { describe, expect, it } from 'vitest';
import { HELD_MESSAGES_LIMIT, HeldMessages } from './redis-kill-switch-held-messages.js';

describe('HeldMessages (change-stream entries arriving while a change is written)', () => {
  it('keeps the first messages in order and asks for no re-read when none was dropped', () => {
    const held = new HeldMessages(3);
    held.hold('a');
    held.hold('b');
    expect(held.release()).toEqual({ messages: ['a', 'b'], rereadForDropped: false });
  });

  it("a flood (anyone who can write the switch's keys) keeps at most the limit, and the rest becomes one re-read", () => {
    const held = new HeldMessages();
    for (let index = 0; index < 100_000; index += 1) held.hold(`message ${index}`);
    const released = held.release();
    expect(released.messages).toHaveLength(HELD_MESSAGES_LIMIT);
    expect(released.messages[0]).toBe('message 0');
    expect(released.rereadForDropped).toBe(true);
  });

  it('release() empties the hold: the next change starts from nothing', () => {
    const held = new HeldMessages(1);
    held.hold('a');
    held.hold('b');
    held.release();
    expect(held.release()).toEqual({ messages: [], rereadForDropped: false });
    held.hold('c');
    expect(held.release()).toEqual({ messages: ['c'], rereadForDropped: false });
  });
});
