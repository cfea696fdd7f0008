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

/** One complete event: its lines other than `data:`, and its data (the `data:` lines joined), if any. */
interface RawEvent {
  otherLines: string[];
  data: string | undefined;
}

/**
 * Buffers a body's text and cuts it into complete events, holding at most about `maxEventBytes`
 * × 2 of an incomplete one (the bound on what a hostile upstream can make the proxy hold).
 */
function createEventSplitter(maxEventBytes: number): (text: string) => RawEvent[] {
  let buffered = '';
  return (text) => {
    buffered += text;
    if (buffered.length > maxEventBytes * 2)
      throw new BackendUnavailableError({ backend: 'upstream', message: 'event too large' });
    const events: RawEvent[] = [];
    for (let match = EVENT_BOUNDARY.exec(buffered); match !== null; match = EVENT_BOUNDARY.exec(buffered)) {
      const lines = buffered.slice(0, match.index).split(/\r?\n/);
      buffered = buffered.slice(match.index + match[0].length);
      const dataLines = lines.filter((line) => line.startsWith('data:'));
      events.push({
        otherLines: lines.filter((line) => !line.startsWith('data:')),
        data: dataLines.length === 0 ? undefined : dataLines.map((line) => line.slice(5).replace(/^ /, '')).join('\n'),
      });
    }
    return events;
  };
}

/** Creates a parser that hands each event's JSON `data` to `onMessage` (non-JSON events are ignored). */
export function createEventStreamParser(
  maxEventBytes: number,
  onMessage: (message: unknown) => void,
): EventStreamParser {
  const split = createEventSplitter(maxEventBytes);
  return {
    push(text) {
      for (const { data } of split(text)) {
        if (data === undefined || data.length === 0) continue;
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
  const split = createEventSplitter(maxEventBytes);
  return {
    push(text) {
      let out = '';
      for (const { otherLines, data } of split(text)) {
        if (data === undefined) {
          out += `${otherLines.join('\n')}\n\n`;
          continue;
        }
        const rewritten = rewrite(data);
        if (rewritten === undefined) continue;
        out += `${[...otherLines, ...rewritten.split('\n').map((line) => `data: ${line}`)].join('\n')}\n\n`;
      }
      return out;
    },
  };
}
