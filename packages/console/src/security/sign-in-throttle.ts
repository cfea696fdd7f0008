/**
 * Throttling of wrong sign-in tokens, per source address, so that nobody can guess operator
 * tokens as fast as the server answers.
 *
 * Why per address only: the sign-in form takes a token and nothing else, so a wrong guess names no
 * account (it is tried against every operator at once) and there is no account to count it
 * against. A budget shared by every address instead would let one attacker refuse every
 * operator's sign-in, the lockout an attacker could abuse; throttling an address blocks only
 * whoever guesses from it (and whoever shares it, such as a NAT).
 *
 * @module
 */
import { isIPv6 } from 'node:net';
import type { Clock } from '@warden/core';

/** Wrong tokens an address may send before it must wait (typos, a pasted wrong token). */
const FREE_FAILURES = 5;
/** The first wait; each further wrong token doubles it. */
const BASE_DELAY_MS = 1000;
/** The longest wait: a guesser keeps at most one guess per 15 minutes. */
const MAX_DELAY_MS = 15 * 60 * 1000;
/** An address that sent no wrong token for this long starts afresh. */
const FORGET_AFTER_MS = 60 * 60 * 1000;
/** Addresses remembered at most; the least recently failing are forgotten first. */
const MAX_SOURCES = 10_000;

interface Failures {
  count: number;
  lastFailureAt: number;
  blockedUntil: number;
}

/**
 * The address without the brackets and port a proxy may record it with (`[2001:db8::1]:4711` in a
 * `Forwarded` header, `203.0.113.7:51234`): otherwise each port, or an IPv6 address in brackets
 * (never read as IPv6, so never grouped by its /64), would be counted apart.
 */
function withoutPort(address: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const ipv4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(address);
  return ipv4?.[1] ?? address;
}

/**
 * The eight 16-bit groups of an IPv6 address (valid, without a zone), as numbers: `::` expanded,
 * and a dotted IPv4 address at its end (`::ffff:203.0.113.7`) read as the last two groups.
 */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groupsOf = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const headGroups = groupsOf(head);
  const tailGroups = tail === undefined ? [] : groupsOf(tail);
  const zeros = Array<number>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill(0);
  return [...headGroups, ...zeros, ...tailGroups];
}

/**
 * The key an address is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 address as
 * its IPv4, in whichever form it is written: `::ffff:203.0.113.7`, `::ffff:cb00:7107`,
 * `0:0:0:0:0:ffff:…`, or every IPv4 client of a proxy that writes them so would share one /64),
 * an IPv6 address by its /64 prefix, the smallest block one subscriber is given, so that the
 * 2^64 addresses of one attacker's network count as one; brackets and a port around the address
 * are ignored.
 */
export function sourceOf(recorded: string): string {
  const address = withoutPort(recorded);
  const withoutZone = address.split('%')[0] ?? address;
  if (!isIPv6(withoutZone)) return address;
  const groups = ipv6Groups(withoutZone);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** Counts wrong sign-in tokens per source and says how long a source must wait. */
export class SignInThrottle {
  private readonly failures = new Map<string, Failures>();

  /** @param now the console's clock (injected, so tests need no sleeping). */
  constructor(private readonly now: Clock) {}

  /**
   * Milliseconds `source` must wait before its next sign-in is even checked; 0 when it may try
   * now. A refused attempt is not checked, so guessing during the wait tells the guesser nothing.
   */
  retryAfterMs(source: string): number {
    const record = this.current(source);
    return record === undefined ? 0 : Math.max(0, record.blockedUntil - this.now());
  }

  /** Counts a wrong token from `source`: past the free ones, each doubles the wait. */
  recordFailure(source: string): void {
    const now = this.now();
    const count = (this.current(source)?.count ?? 0) + 1;
    const excess = count - FREE_FAILURES;
    const delay = excess > 0 ? Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (excess - 1)) : 0;
    // Deleted then set, so the Map's order is the order of the latest failures (oldest first).
    this.failures.delete(source);
    this.makeRoom();
    this.failures.set(source, { count, lastFailureAt: now, blockedUntil: now + delay });
  }

  /** Forgets `source`'s wrong tokens after a sign-in from it. */
  recordSuccess(source: string): void {
    this.failures.delete(source);
  }

  /** The record of `source`, unless it has gone quiet long enough to be forgotten. */
  private current(source: string): Failures | undefined {
    const record = this.failures.get(source);
    if (record === undefined) return undefined;
    if (this.now() - record.lastFailureAt < FORGET_AFTER_MS) return record;
    this.failures.delete(source);
    return undefined;
  }

  /** Keeps the table bounded: an attacker with many addresses must not fill memory. */
  private makeRoom(): void {
    while (this.failures.size >= MAX_SOURCES) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}
