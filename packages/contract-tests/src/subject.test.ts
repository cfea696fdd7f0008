import { describe, expect, it } from 'vitest';
import { useSubject } from './subject.js';

const cleaned: string[] = [];

describe('useSubject(options)', () => {
  const subject = useSubject({
    name: 'counter',
    createSubject: async () => ({ subject: 'made', cleanup: async () => void cleaned.push('made') }),
  });

  it('creates the subject for the test', async () => {
    expect(await subject()).toBe('made');
  });

  it('cleaned up after the previous test', () => {
    expect(cleaned).toEqual(['made']);
  });
});
