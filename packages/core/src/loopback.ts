/**
 * Which host names only ever reach the machine itself: the rule the MCP gateway and the console
 * share to tell a request that came from this machine's own pages from DNS rebinding (a page on
 * another site whose name now resolves to 127.0.0.1).
 *
 * @module
 */

/** A dotted IPv4 address in 127.0.0.0/8. */
const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `::1`, or an IPv4-mapped address in 127.0.0.0/8 as a URL writes it (`::ffff:7f00:1`) or dotted. */
const IPV6_LOOPBACK =
  /^(?:::1|::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}|::ffff:127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})$/;

/**
 * True for a host name or address that only ever resolves to, or is, loopback: `localhost` and
 * the names under it (`ops.localhost`: RFC 6761 reserves them for loopback and browsers resolve
 * them so without asking DNS), any address in 127.0.0.0/8 (a rebound name can resolve to
 * 127.0.0.2 as well as 127.0.0.1), `::1`, and IPv4-mapped 127.x (`::ffff:127.0.0.1`), an IPv6
 * address with or without brackets. Letter case does not matter.
 *
 * Everything else is false, failing closed: `0.0.0.0` (every interface), a name that merely starts
 * with `localhost` (`localhost.evil.com`), the empty string, and the fully qualified `localhost.`
 * with its trailing dot, which a resolver that does not follow RFC 6761 (a hosts file lists
 * `localhost` only) passes on to DNS. Pass the host name as the WHATWG URL parser normalises it
 * (`new URL(value).hostname`): another spelling of an address (`0:0:0:0:0:0:0:1`, `2130706433`)
 * is refused.
 *
 * @param hostname a host name or address, without a port.
 */
export function isLoopbackHostName(hostname: string): boolean {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (IPV4_LOOPBACK.test(name)) return true;
  const address = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return IPV6_LOOPBACK.test(address);
}
