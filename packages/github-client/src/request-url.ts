/**
 * The check every request of the built-in client passes before it is sent: its URL stays under
 * `baseUrl` and no path parameter can change which resource it names.
 *
 * @module
 */
import { InvalidInputError } from '@warden/core';

/**
 * Throws `INVALID_INPUT` unless `url` (a request's URL as Octokit expanded it, not yet parsed)
 * lies under `baseUrl` with a path that means what it says. Checked on the raw string because
 * parsing it is what does the harm: a URL resolves `.` and `..` segments (also as `%2e`) away,
 * turning `/repos/org/../actions/…` into another repository and leaving a GHES `/api/v3` prefix;
 * GitHub decodes `%2F` (and servers `%5C`) into a separator; an absolute URL (a route, or a
 * `link` header a hostile server wrote) takes the token to whatever host it names.
 */
export function assertUnderBaseUrl(url: string, baseUrl: string): void {
  const prefix = `${baseUrl.replace(/\/+$/, '')}/`;
  if (!url.startsWith(prefix)) refuse('its URL is not under baseUrl, so it would take the token elsewhere');
  const path = url.slice(prefix.length).split(/[?#]/, 1)[0] ?? '';
  // Anything but printable ASCII is outside what the template sends; a URL parser drops tabs and
  // newlines, so `.\n.` would become `..` after this check.
  if (/[^\x21-\x7e]|\\|%2f|%5c/i.test(path))
    refuse('a path parameter holds a slash, a backslash or a control character');
  for (const segment of path.split('/')) {
    if (/^(?:\.|%2e){1,2}$/i.test(segment)) refuse('a path parameter is "." or "..", which a URL resolves away');
  }
}

function refuse(reason: string): never {
  throw new InvalidInputError({
    message: `GitHub request refused before sending: ${reason}`,
    issues: [{ path: '', message: reason }],
  });
}
