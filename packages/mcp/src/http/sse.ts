/**
 * Reading JSON-RPC messages from a `text/event-stream` body, with a bound on each event.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';

/** Feeds decoded text in; each complete event's `data` is parsed and handed to `onMessage`. */
export interface EventStreamParser {
  /** Adds the next piece of the body. @throws `BackendUnavailableError` when one event exceeds the bound. */
  push(text: string): void;
}

const EVENT_BOUNDARY = /\r?\n\r?\n/;

/** Creates a parser that hands each event's JSON `data` to `onMessage` (non-JSON events are ignored). */
export function createEventStreamParser(
  maxEventBytes: number,
  onMessage: (message: unknown) => void,
): EventStreamParser {
  let buffered = '';
  return {
    push(text) {
      buffered += text;
      if (buffered.length > maxEventBytes * 2)
        throw new BackendUnavailableError({ backend: 'upstream', message: 'event too large' });
      for (let match = EVENT_BOUNDARY.exec(buffered); match !== null; match = EVENT_BOUNDARY.exec(buffered)) {
        const event = buffered.slice(0, match.index);
        buffered = buffered.slice(match.index + match[0].length);
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data.length === 0) continue;
        try {
          onMessage(JSON.parse(data));
        } catch {
          // Not JSON: ignored.
        }
      }
    },
  };
}
