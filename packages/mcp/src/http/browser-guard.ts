/**
 * What keeps web pages out of a gateway on the caller's own machine: DNS rebinding (a page whose
 * name now resolves to loopback) and cross-site POSTs a browser sends without asking first.
 *
 * @module
 */
import type { IncomingMessage as HttpRequest } from 'node:http';
import { isLoopbackHostName } from '@warden/core';

/**
 * On a loopback address, a Host or Origin naming another site is a DNS-rebinding attack: a web
 * page whose domain now resolves to 127.0.0.1 must not reach the gateway.
 */
export function dnsRebindingProblem(request: HttpRequest, listenHost: string): string | undefined {
  const hostname = (value: string): string | undefined => {
    try {
      return new URL(value.includes('://') ? value : `http://${value}`).hostname.toLowerCase();
    } catch {
      return undefined;
    }
  };
  // The listen address may be a bare IPv6 address (`::1`), which a URL writes in brackets.
  const listening = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  if (!isLoopbackHostName(hostname(listening) ?? '')) return undefined;
  const host = request.headers.host;
  if (host !== undefined && !isLoopbackHostName(hostname(host) ?? '')) return 'the Host header names another site';
  const origin = request.headers.origin;
  // `null` is the opaque origin of a sandboxed iframe or a local file: a page all the same.
  if (origin !== undefined && !isLoopbackHostName(hostname(origin) ?? ''))
    return 'the Origin header names another site';
  return undefined;
}

/**
 * True when a POST declares a JSON body. A web page can send a cross-site POST without asking
 * the server first only as `text/plain`, form data or multipart (a "simple" request); insisting
 * on `application/json` makes the browser ask first (CORS preflight), which the gateway never
 * grants, so a page cannot make a caller's browser call a tool (the SDK's servers answer 415 too).
 */
export function declaresJson(request: HttpRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^application\/json\s*(;|$)/i.test(type.trim());
}
