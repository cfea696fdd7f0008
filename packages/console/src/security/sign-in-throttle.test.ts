import { describe, expect, it } from 'vitest';
import { SignInThrottle, sourceOf } from './sign-in-throttle.js';

describe('sourceOf(address)', () => {
  it('counts an IPv6 address by its /64 (attacker: one network with 2^64 addresses) and a mapped IPv4 address as IPv4', () => {
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv4-mapped address written in any IPv6 form as its IPv4 (attacker: one IPv4 guesser behind a proxy that writes them so, grouped by the /64 every IPv4 client shares)', () => {
    expect(sourceOf('::ffff:cb00:7107')).toBe('203.0.113.7');
    expect(sourceOf('::FFFF:CB00:7108')).toBe('203.0.113.8');
    expect(sourceOf('0:0:0:0:0:ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(sourceOf('0000:0000:0000:0000:0000:ffff:cb00:710a')).toBe('203.0.113.10');
    expect(sourceOf('[::ffff:cb00:7107]:443')).toBe('203.0.113.7');
  });

  it('counts an address written with brackets or a port, as a proxy records it (Forwarded: for="[2001:db8::1]:4711"), as the address itself (attacker: one network rotating its 2^64 addresses behind a proxy)', () => {
    expect(sourceOf('[2001:db8:1:2:aaaa::1]')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('[2001:db8:1:2:bbbb::2]:4711')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('[::ffff:203.0.113.7]:443')).toBe('203.0.113.7');
    expect(sourceOf('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(sourceOf('[fe80::1%eth0]:80')).toBe('fe80:0:0:0::/64');
  });
});

describe('SignInThrottle', () => {
  it('lets five wrong tokens through, then doubles the wait up to 15 minutes, and forgets an address quiet for an hour', () => {
    let clock = 0;
    const throttle = new SignInThrottle(() => clock);
    for (let failure = 1; failure <= 5; failure++) {
      throttle.recordFailure('a');
      expect(throttle.retryAfterMs('a')).toBe(0);
    }
    const waits: number[] = [];
    for (let failure = 6; failure <= 18; failure++) {
      throttle.recordFailure('a');
      waits.push(throttle.retryAfterMs('a'));
      clock += throttle.retryAfterMs('a');
    }
    expect(waits.slice(0, 4)).toEqual([1000, 2000, 4000, 8000]);
    expect(waits.at(-1)).toBe(15 * 60 * 1000);
    expect(throttle.retryAfterMs('b')).toBe(0);
    clock += 60 * 60 * 1000;
    throttle.recordFailure('a');
    expect(throttle.retryAfterMs('a')).toBe(0);
  });
});
