/**
 * Signing in with an operator token, and out again.
 *
 * @module
 */
import type { RequestContext } from '../context.js';
import { frameOf } from '../context.js';
import { html } from '../html/escape.js';
import { errorBox, layout } from '../html/layout.js';
import { readForm, redirect, sendHtml } from '../http/respond.js';
import { cookieHeader, isTls, readCookie } from '../security/headers.js';
import { constantTimeEqual, operatorForToken, randomToken } from '../security/sessions.js';
import { sourceOf } from '../security/sign-in-throttle.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'warden_console_session';
/** The sign-in form's own CSRF cookie (there is no session yet to hold its token). */
const SIGN_IN_COOKIE = 'warden_console_sign_in';
const SIGN_IN_FORM_TTL_SECONDS = 600;

function secure(context: RequestContext): boolean {
  return context.origin.startsWith('https:') || isTls(context.request);
}

/** The sign-in page, with a fresh login-CSRF token in a cookie and in the form. */
export function showSignIn(context: RequestContext, status = 200, problem?: string): void {
  const token = randomToken();
  context.response.setHeader(
    'Set-Cookie',
    cookieHeader(SIGN_IN_COOKIE, token, {
      path: context.app.basePath,
      maxAgeSeconds: SIGN_IN_FORM_TTL_SECONDS,
      secure: secure(context),
    }),
  );
  const body = html`${problem === undefined ? '' : errorBox(problem)}
<form class="card sign-in" method="post" action="${context.app.basePath}/sign-in">
<input type="hidden" name="csrf" value="${token}">
<p>Sign in with your operator token. Only operators see this console.</p>
<label for="token">Operator token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`;
  sendHtml(context.response, status, layout(frameOf({ ...context, session: undefined }), 'Sign in', body));
}

/** The address wrong tokens are counted against: the host's `clientAddress`, else the connection's. */
function sourceOfRequest(context: RequestContext): string {
  const given = context.app.config.clientAddress?.(context.request);
  const address = typeof given === 'string' && given !== '' ? given : context.request.socket.remoteAddress;
  // Bounded: a host may pass on a header as it came, and each key is held in memory.
  return sourceOf((address ?? 'unknown').slice(0, 100));
}

/**
 * Refuses a sign-in from a source that sent too many wrong tokens, without checking the token:
 * 429 with `Retry-After` (whole seconds, rounded up).
 */
function refuseThrottled(context: RequestContext, retryAfterMs: number): void {
  const retryAfterSeconds = Math.ceil(retryAfterMs / 1000);
  context.app.emit({
    type: 'access_denied',
    details: { step: 'console-sign-in', reason: 'too many wrong tokens', code: 'RATE_LIMITED', retryAfterSeconds },
  });
  context.response.setHeader('Retry-After', String(retryAfterSeconds));
  showSignIn(context, 429, `Too many wrong tokens from your address. Try again in ${retryAfterSeconds} seconds.`);
}

/**
 * Checks the token; on success starts a session and goes to the first section. Wrong tokens are
 * counted per source address: past five, the address waits (doubling from 1 second, at most 15
 * minutes) before any token from it is checked again.
 */
export async function signIn(context: RequestContext): Promise<void> {
  const form = await readForm(context.request);
  const expected = readCookie(context.request, SIGN_IN_COOKIE) ?? '';
  const sent = form.get('csrf') ?? '';
  if (expected === '' || !constantTimeEqual(sent, expected)) {
    context.app.emit({ type: 'access_denied', details: { step: 'console-sign-in', reason: 'sign-in form token' } });
    showSignIn(context, 403, 'The sign-in form expired. Please try again.');
    return;
  }
  // Checked after the form token, so a page on another site posting sign-ins from an operator's
  // browser (no form cookie) cannot throttle the operator's address; and with no await between
  // this check and the count below, concurrent guesses cannot all pass it before any is counted.
  const throttle = context.app.signInThrottle;
  const source = sourceOfRequest(context);
  const retryAfterMs = throttle.retryAfterMs(source);
  if (retryAfterMs > 0) {
    refuseThrottled(context, retryAfterMs);
    return;
  }
  const operator = operatorForToken(context.app.config.operators, form.get('token') ?? '');
  if (operator === undefined) {
    throttle.recordFailure(source);
    context.app.emit({ type: 'access_denied', details: { step: 'console-sign-in', reason: 'unknown operator token' } });
    showSignIn(context, 401, 'That token is not an operator token.');
    return;
  }
  throttle.recordSuccess(source);
  context.app.sessions.delete(context.sessionId);
  const { id } = context.app.sessions.create(operator);
  const ttlSeconds = Math.floor((context.app.config.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS) / 1000);
  const path = context.app.basePath;
  context.response.setHeader('Set-Cookie', [
    cookieHeader(SESSION_COOKIE, id, { path, maxAgeSeconds: ttlSeconds, secure: secure(context) }),
    cookieHeader(SIGN_IN_COOKIE, '', { path, maxAgeSeconds: 0, secure: secure(context) }),
  ]);
  context.app.emit({ type: 'access_granted', details: { step: 'console-sign-in', operator } });
  redirect(context.response, `${path}/${context.app.nav[0]?.path ?? ''}`);
}

/** Ends the session and clears the cookie. */
export function signOut(context: RequestContext): void {
  context.app.sessions.delete(context.sessionId);
  context.response.setHeader(
    'Set-Cookie',
    cookieHeader(SESSION_COOKIE, '', { path: context.app.basePath, maxAgeSeconds: 0, secure: secure(context) }),
  );
  redirect(context.response, `${context.app.basePath}/sign-in`);
}

/** Eight hours. */
export const DEFAULT_SESSION_TTL_MS: number = 8 * 60 * 60 * 1000;
