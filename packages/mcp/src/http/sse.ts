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

/**
 * Rewrites an event stream event by event: `rewrite` gets each event's `data` and returns the data
 * to send in its place (`undefined` drops the event); `id:`, `event:` and `retry:` lines are kept,
 * so a client resuming with `Last-Event-ID` still can. `push` returns the text to write on.
 */
export interface EventStreamRewriter {
  /** Adds the next piece of the body; returns the complete events, rewritten. @throws `BackendUnavailableError` past the bound. */
  push(text: string): string;
}

/** Creates a rewriter holding at most about `maxEventBytes` × 2 of an incomplete event. */
export function createEventStreamRewriter(
  maxEventBytes: number,
  rewrite: (data: string) => string | undefined,
): EventStreamRewriter {
  let buffered = '';
  return {
    push(text) {
      buffered += text;
      if (buffered.length > maxEventBytes * 2)
        throw new BackendUnavailableError({ backend: 'upstream', message: 'event too large' });
      let out = '';
      for (let match = EVENT_BOUNDARY.exec(buffered); match !== null; match = EVENT_BOUNDARY.exec(buffered)) {
        const lines = buffered.slice(0, match.index).split(/\r?\n/);
        buffered = buffered.slice(match.index + match[0].length);
        const dataLines = lines.filter((line) => line.startsWith('data:'));
        if (dataLines.length === 0) {
          out += `${lines.join('\n')}\n\n`;
          continue;
        }
        const data = rewrite(dataLines.map((line) => line.slice(5).replace(/^ /, '')).join('\n'));
        if (data === undefined) continue;
        const kept = lines.filter((line) => !line.startsWith('data:'));
        out += `${[...kept, ...data.split('\n').map((line) => `data: ${line}`)].join('\n')}\n\n`;
      }
      return out;
    },
  };
}
