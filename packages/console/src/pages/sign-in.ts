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

/** Checks the token; on success starts a session and goes to the first section. */
export async function signIn(context: RequestContext): Promise<void> {
  const form = await readForm(context.request);
  const expected = readCookie(context.request, SIGN_IN_COOKIE) ?? '';
  const sent = form.get('csrf') ?? '';
  if (expected === '' || !constantTimeEqual(sent, expected)) {
    context.app.emit({ type: 'access_denied', details: { step: 'console-sign-in', reason: 'sign-in form token' } });
    showSignIn(context, 403, 'The sign-in form expired. Please try again.');
    return;
  }
  const operator = operatorForToken(context.app.config.operators, form.get('token') ?? '');
  if (operator === undefined) {
    context.app.emit({ type: 'access_denied', details: { step: 'console-sign-in', reason: 'unknown operator token' } });
    showSignIn(context, 401, 'That token is not an operator token.');
    return;
  }
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
