import { describe, expect, it } from 'vitest';
import { type HostRule, hostRefusalReason } from './host-header.js';

const none: HostRule = { publicOrigin: undefined, allowedHosts: [] };
const accepted = (local: string | undefined, host: string | undefined, rule: HostRule = none) =>
  hostRefusalReason(local, host, rule) === undefined;

describe('hostRefusalReason(localAddress, host, rule) on a LAN address (attacker: a page whose name is rebound to the console’s address)', () => {
  it.each([
    ['192.0.2.2', '192.0.2.2'],
    ['192.0.2.2', '192.0.2.2:8787'],
    ['192.0.2.2', '192.0.2.2:80'],
    ['::ffff:192.0.2.2', '192.0.2.2:8787'],
    ['::ffff:192.0.2.2', '[::ffff:192.0.2.2]:8787'],
    ['fd00::2', '[fd00::2]'],
    ['fd00::2', '[FD00:0:0::2]:8787'],
    ['fe80::1%eth0', '[fe80::1]:8787'],
  ])('accepts on %s the address itself as Host %s', (local, host) => {
    expect(accepted(local, host)).toBe(true);
  });

  it.each([
    ['192.0.2.2', 'evil.example'],
    ['192.0.2.2', 'evil.example:8787'],
    ['192.0.2.2', '192.0.2.2.evil.example'],
    ['192.0.2.2', 'evil.example@192.0.2.2'],
    ['192.0.2.2', '192.0.2.3'],
    ['192.0.2.2', 'localhost'],
    ['192.0.2.2', '127.0.0.1'],
    ['192.0.2.2', ''],
    ['::ffff:192.0.2.2', 'evil.example'],
    ['fd00::2', 'evil.example'],
    ['fd00::2', '[fd00::3]'],
  ])('refuses on %s the Host %s', (local, host) => {
    expect(hostRefusalReason(local, host, none)).toMatch(/DNS rebinding/);
  });

  it('accepts publicOrigin’s host and the allowed names, exactly (no subdomain, no other name)', () => {
    const rule: HostRule = { publicOrigin: 'https://ops.example', allowedHosts: ['console.lan', '[fd00::2]'] };
    expect(accepted('192.0.2.2', 'ops.example', rule)).toBe(true);
    expect(accepted('192.0.2.2', 'console.lan:8787', rule)).toBe(true);
    expect(accepted('192.0.2.2', 'CONSOLE.LAN', rule)).toBe(true);
    expect(accepted('192.0.2.2', '[fd00::2]', rule)).toBe(true);
    expect(accepted('192.0.2.2', 'evil.console.lan', rule)).toBe(false);
    expect(accepted('192.0.2.2', 'console.lan.evil.example', rule)).toBe(false);
    expect(accepted('192.0.2.2', 'evil.example', rule)).toBe(false);
  });

  it('fails closed when the connection has no local address, and lets a request without Host (no browser’s) pass', () => {
    expect(hostRefusalReason(undefined, 'evil.example', none)).toMatch(/no local address/);
    expect(accepted(undefined, '192.0.2.2', none)).toBe(false);
    expect(accepted('192.0.2.2', undefined)).toBe(true);
  });
});

describe('hostRefusalReason on a loopback address', () => {
  it('accepts loopback names, publicOrigin’s host and the allowed names; refuses any other', () => {
    const rule: HostRule = { publicOrigin: 'https://ops.example', allowedHosts: ['console.lan'] };
    for (const host of ['localhost:8787', 'ops.localhost', '127.0.0.2', '[::1]:8787', 'ops.example', 'console.lan']) {
      expect(accepted('127.0.0.1', host, rule), host).toBe(true);
    }
    for (const host of ['evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '192.0.2.2']) {
      expect(hostRefusalReason('127.0.0.1', host, rule), host).toMatch(/loopback address \(DNS rebinding\)/);
    }
    expect(accepted('::ffff:127.0.0.1', 'evil.example', rule)).toBe(false);
  });
});
