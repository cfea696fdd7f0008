import { describe, expect, it } from 'vitest';
import { isLoopbackHostName } from './loopback.js';

describe('isLoopbackHostName(hostname)', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'ops.localhost',
    'a.b.localhost',
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.255',
    '::1',
    '[::1]',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[::ffff:7f12:3456]',
  ])('is true for %s', (hostname) => {
    expect(isLoopbackHostName(hostname)).toBe(true);
  });

  it('is true for what the URL parser makes of loopback hosts', () => {
    for (const url of ['http://LOCALHOST:80', 'http://127.0.0.1', 'http://[::1]:8080', 'http://[::ffff:127.0.0.1]']) {
      expect(isLoopbackHostName(new URL(url).hostname)).toBe(true);
    }
  });

  it.each([
    '',
    'LOCALHOST.',
    'localhost.',
    'ops.localhost.',
    'localhost.evil.com',
    'localhostevil.com',
    'evil-localhost',
    '0.0.0.0',
    '128.0.0.1',
    '10.127.0.1',
    '127.0.0',
    '127.0.0.1.evil.com',
    '127.256.0.1',
    '::',
    '[::2]',
    '::ffff:10.0.0.1',
    '[::ffff:a00:1]',
    '0:0:0:0:0:0:0:1',
    '[::1',
    '2130706433',
  ])('is false for %j (a page on another site, or no name at all)', (hostname) => {
    expect(isLoopbackHostName(hostname)).toBe(false);
  });
});
