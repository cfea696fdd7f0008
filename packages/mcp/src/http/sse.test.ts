import { describe, expect, it } from 'vitest';
import { createEventStreamRewriter } from './sse.js';

describe('createEventStreamRewriter', () => {
  it('rewrites data, keeps id and event lines, drops events rewritten to undefined, waits for whole events', () => {
    const rewriter = createEventStreamRewriter(1024, (data) => (data === '"drop"' ? undefined : data.toUpperCase()));
    expect(rewriter.push('id: 7\nevent: message\ndata: "a"\n\ndata: "dr')).toBe('id: 7\nevent: message\ndata: "A"\n\n');
    expect(rewriter.push('op"\n\n: comment\n\nid: 8\ndata: "b"\n\n')).toBe(': comment\n\nid: 8\ndata: "B"\n\n');
  });
});
