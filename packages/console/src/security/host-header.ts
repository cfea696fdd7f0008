/**
 * The Host check against DNS rebinding: a page on another site whose name now resolves to the
 * console's address is same-origin with the console in the operator's browser, so it could read
 * the sign-in form's token and post guesses (or, with a session, read every page). The browser
 * still sends the attacker's name in `Host`, so a request is served only under a name the console
 * knows to be its own.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { isLoopbackHostName } from '@warden/core';

/** The names, besides the connection's own address, a request's `Host` may carry. */
export interface HostRule {
  /** `ConsoleConfig.publicOrigin`: its host name is accepted on any address. */
  readonly publicOrigin: string | undefined;
  /** `ConsoleConfig.allowedHosts`: host names accepted on any address, exactly (no wildcard). */
  readonly allowedHosts: readonly string[];
}

/**
 * A `Host` header's host name as the WHATWG URL parser normalises it (lowercase, punycode, an
 * IPv4 address in dotted decimal, an IPv6 address compressed in brackets), without its port;
 * `undefined` when it is not a host.
 */
export function hostnameOf(host: string): string | undefined {
  // A path, query or credentials would make the parser read a different host than the header says.
  if (/[/?#@\\]/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * The spellings of a socket's local address a browser sends in `Host` when it was given the
 * address itself: `192.0.2.2`, `[fd00::2]`; an IPv4-mapped address (a dual-stack socket
 * reached over IPv4: `::ffff:192.0.2.2`) as the IPv4 address too. A zone (`fe80::1%eth0`)
 * cannot appear in `Host` and is dropped.
 */
function literalsOf(localAddress: string): string[] {
  const address = localAddress.replace(/%.*$/, '');
  const literals: string[] = [];
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) literals.push(mapped[1]);
  const literal = hostnameOf(address.includes(':') ? `[${address}]` : address);
  if (literal !== undefined) literals.push(literal);
  return literals;
}

/**
 * Why a request that reached `localAddress` with `host` as its `Host` header is refused, or
 * `undefined` when it may be served. Accepted: the local address itself (any spelling the URL
 * parser normalises to it, any port), `publicOrigin`'s host, a name in `allowedHosts`, and on a
 * loopback address also the loopback names (`localhost`, `*.localhost`, 127.x, `[::1]`). A
 * request without `Host` (HTTP/1.0) is no browser's and passes; an unknown local address fails
 * closed.
 */
export function hostRefusalReason(
  localAddress: string | undefined,
  host: string | undefined,
  rule: HostRule,
): string | undefined {
  if (host === undefined) return undefined;
  if (localAddress === undefined) return 'the connection has no local address to judge the Host header against';
  const name = hostnameOf(host);
  if (name !== undefined && isOwnName(name, localAddress, rule)) return undefined;
  return isLoopbackHostName(localAddress)
    ? 'the Host header names another site on a loopback address (DNS rebinding)'
    : 'the Host header is neither this address, publicOrigin nor an allowed host (DNS rebinding)';
}

function isOwnName(name: string, localAddress: string, rule: HostRule): boolean {
  if (isLoopbackHostName(localAddress) && isLoopbackHostName(name)) return true;
  if (literalsOf(localAddress).includes(name)) return true;
  if (rule.publicOrigin !== undefined && name === new URL(rule.publicOrigin).hostname) return true;
  return rule.allowedHosts.includes(name);
}

/**
 * {@link hostRefusalReason} for a request, judged against the socket's local address (an
 * address, never a name: `127.0.0.1`, `::ffff:192.0.2.2`). Returns the reason, or `undefined`.
 */
export function reboundHostReason(request: IncomingMessage, rule: HostRule): string | undefined {
  return hostRefusalReason(request.socket.localAddress, request.headers.host, rule);
}
