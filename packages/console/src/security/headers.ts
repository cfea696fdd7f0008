/**
 * The headers every console response carries, and the checks a state-changing request passes.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The console's Content-Security-Policy: its own script and stylesheet, nothing inline, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY: string =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Sets the security headers on a response. */
export function setSecurityHeaders(response: ServerResponse): void {
  response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** True when the request reached this process over TLS. */
export function isTls(request: IncomingMessage): boolean {
  return (request.socket as { encrypted?: boolean }).encrypted === true;
}

/** The origin the browser sees: `publicOrigin` when configured, else the request's scheme and Host. */
export function expectedOrigin(request: IncomingMessage, publicOrigin: string | undefined): string {
  if (publicOrigin !== undefined) return publicOrigin;
  return `${isTls(request) ? 'https' : 'http'}://${request.headers.host ?? ''}`;
}

/**
 * Refuses a state-changing request that a browser says came from another site: `Sec-Fetch-Site`
 * other than `same-origin` (or `none`, typed by the user), or an `Origin` that is not the
 * console's (or `null` without a same-origin `Sec-Fetch-Site`). Returns the reason, or `undefined` when it may go on to the CSRF token check.
 */
export function crossSiteReason(request: IncomingMessage, origin: string): string | undefined {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return `Sec-Fetch-Site is ${fetchSite}`;
  }
  const requestOrigin = request.headers.origin;
  // Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` even for its own forms;
  // a null origin passes only when Sec-Fetch-Site vouches for it (a sandboxed frame is cross-site).
  if (requestOrigin === 'null' && fetchSite === 'same-origin') return undefined;
  if (requestOrigin !== undefined && requestOrigin !== origin) return `Origin ${requestOrigin} is not ${origin}`;
  return undefined;
}

/** Reads the named cookie. */
export function readCookie(request: IncomingMessage, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Strict, scoped to the console's path, Secure over TLS. */
export function cookieHeader(
  name: string,
  value: string,
  options: { path: string; maxAgeSeconds: number; secure: boolean },
): string {
  const parts = [
    `${name}=${value}`,
    // A console mounted at the root has the base path '' (no trailing slash); an empty Path would
    // leave the scope to the browser, which takes it from the request's own path.
    `Path=${options.path === '' ? '/' : options.path}`,
    `Max-Age=${options.maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
