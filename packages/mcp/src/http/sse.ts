/**
 * Reading JSON-RPC messages from a `text/event-stream` body, with a bound on each event.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';

/** Calls `onMessage` with each event's parsed `data`; resolves when the stream ends. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  maxEventBytes: number,
  onMessage: (message: unknown) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      if (buffered.length > maxEventBytes * 2)
        throw new BackendUnavailableError({ backend: 'upstream', message: 'event too large' });
      let boundary = buffered.search(/\r?\n\r?\n/);
      while (boundary !== -1) {
        const event = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary).replace(/^\r?\n\r?\n/, '');
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data.length > 0) {
          try {
            onMessage(JSON.parse(data));
          } catch {
            // Not JSON: ignored.
          }
        }
        boundary = buffered.search(/\r?\n\r?\n/);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
