/**
 * Change-stream entries that arrive while an instance writes a change wait until the change is
 * taken (one of them may announce that very change, and then needs no re-read). Anyone who can
 * write the switch's keys can append them, so only the first few are kept: every entry is only
 * ever a reason to re-read or a record a read would also find, so the rest are replaced by one
 * re-read after the change.
 *
 * @module
 */

/** How many messages wait for a change being written; past this, one re-read stands for the rest. */
export const HELD_MESSAGES_LIMIT = 16;

/** What waited for a change: the messages kept, and whether more came (then re-read once). */
export interface ReleasedMessages {
  /** The first messages, in the order they arrived. */
  messages: string[];
  /** True when messages past the limit were dropped: the caller re-reads once instead. */
  rereadForDropped: boolean;
}

/** A bounded hold of the messages that arrive during a change. */
export class HeldMessages {
  private messages: string[] = [];
  private dropped = false;

  constructor(private readonly limit: number = HELD_MESSAGES_LIMIT) {}

  /** Keeps a message until {@link release}; past the limit, only remembers that one was dropped. */
  hold(payload: string): void {
    if (this.messages.length < this.limit) this.messages.push(payload);
    else this.dropped = true;
  }

  /** Hands back what was held and empties the hold. */
  release(): ReleasedMessages {
    const released = { messages: this.messages, rereadForDropped: this.dropped };
    this.messages = [];
    this.dropped = false;
    return released;
  }
}
