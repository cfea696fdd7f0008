/**
 * Which handler serves which path, and the checks before it: a signed-in session for every page
 * but sign-in, and for every POST a same-origin browser and the session's CSRF token.
 *
 * @module
 */
import type { RequestContext, SignedInContext } from './context.js';
import { frameOf } from './context.js';
import { html } from './html/escape.js';
import { errorBox, layout } from './html/layout.js';
import { readForm, redirect, sendHtml, sendJson } from './http/respond.js';
import { approvalJson, approvalsJson, decide, showApproval, showApprovals } from './pages/approvals.js';
import { showAudit } from './pages/audit.js';
import { activate, confirmDeactivate, deactivate, killSwitchJson, showKillSwitch } from './pages/kill-switch.js';
import { showSignIn, signIn, signOut } from './pages/sign-in.js';
import { decideToolPin, showToolPins } from './pages/tool-pins.js';
import { crossSiteReason } from './security/headers.js';
import { constantTimeEqual } from './security/sessions.js';

/** A path segment decoded, or `undefined` when it is not valid percent-encoding (answered 404, never a 500). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function isSignedIn(context: RequestContext): context is SignedInContext {
  return context.session !== undefined;
}

function notFound(context: RequestContext): void {
  const body = html`${errorBox('There is no such page.')}<p><a href="${context.app.basePath}/">Home</a></p>`;
  sendHtml(context.response, 404, layout(frameOf(context), 'Not found', body));
}

/**
 * The home page of a console configured with no section. Said in a page, not sent on: a signed-in
 * operator sent to sign-in goes back home, and the two redirects looped until the browser gave up.
 */
function noSections(context: SignedInContext): void {
  const body = html`${errorBox('This console has no section configured: give it approvals, killSwitch, audit or toolPins.')}`;
  sendHtml(context.response, 200, layout(frameOf(context), 'Nothing to show', body));
}

/** `GET` (and `HEAD`) requests. */
export async function routeGet(context: RequestContext): Promise<void> {
  const { path, app } = context;
  if (path === '/sign-in') {
    if (isSignedIn(context)) redirect(context.response, `${app.basePath}/${app.nav[0]?.path ?? ''}`);
    else showSignIn(context);
    return;
  }
  if (!isSignedIn(context)) {
    if (path.startsWith('/api/')) {
      sendJson(context.response, 401, { error: { code: 'UNAUTHENTICATED', message: 'Sign in first' } });
    } else redirect(context.response, `${app.basePath}/sign-in`);
    return;
  }
  if (path === '/' || path === '') {
    const first = app.nav[0];
    if (first === undefined) noSections(context);
    else redirect(context.response, `${app.basePath}/${first.path}`);
    return;
  }
  if (!(await routeSignedInGet(context))) notFound(context);
}

async function routeSignedInGet(context: SignedInContext): Promise<boolean> {
  const { path } = context;
  const { approvals, killSwitch, audit, toolPins } = context.app.config;
  const requestId = /^\/(api\/)?approvals\/([^/]+)$/.exec(path);
  const id = requestId?.[2] === undefined ? undefined : decodeSegment(requestId[2]);
  if (approvals && path === '/approvals') await showApprovals(context, approvals);
  else if (approvals && path === '/api/approvals') await approvalsJson(context, approvals);
  else if (approvals && id !== undefined) {
    await (requestId?.[1] ? approvalJson(context, approvals, id) : showApproval(context, approvals, id));
  } else if (killSwitch && path === '/kill-switch') await showKillSwitch(context, killSwitch);
  else if (killSwitch && path === '/kill-switch/deactivate') await confirmDeactivate(context, killSwitch);
  else if (killSwitch && path === '/api/kill-switch') await killSwitchJson(context, killSwitch);
  else if (audit && path === '/audit') await showAudit(context, audit);
  else if (toolPins && path === '/tool-pins') await showToolPins(context, toolPins);
  else return false;
  return true;
}

/** Longest request-chosen text (a path, an `Origin`) copied into an event. */
const MAX_EVENT_TEXT = 200;

/**
 * `text` cut to {@link MAX_EVENT_TEXT} characters. Refusals are recorded before anyone is signed
 * in, and the host's events usually go to a persistent audit log: a request line and an `Origin`
 * of up to 16 KiB each would otherwise let anyone who can reach the console add that much to the
 * log with every refused request.
 */
function bounded(text: string): string {
  return text.length <= MAX_EVENT_TEXT ? text : `${text.slice(0, MAX_EVENT_TEXT)}… (${text.length} characters)`;
}

function forbidden(context: RequestContext, reason: string): void {
  context.app.emit({
    type: 'access_denied',
    details: {
      step: 'console-csrf',
      reason: bounded(reason),
      path: bounded(context.path),
      ...(context.session ? { operator: context.session.operator } : {}),
    },
  });
  const body = html`${errorBox('This request was refused: it did not come from a signed-in console page. Nothing was changed.')}
<p><a href="${context.app.basePath}/">Back to the console</a></p>`;
  sendHtml(context.response, 403, layout(frameOf(context), 'Refused', body));
}

/** `POST` requests: refused with 403 unless same-origin, signed in and carrying the session's CSRF token. */
export async function routePost(context: RequestContext): Promise<void> {
  const crossSite = crossSiteReason(context.request, context.origin);
  if (crossSite !== undefined) return forbidden(context, crossSite);
  if (context.path === '/sign-in') return signIn(context);
  if (!isSignedIn(context)) return forbidden(context, 'no session');
  const form = await readForm(context.request);
  if (!constantTimeEqual(form.get('csrf') ?? '', context.session.csrfToken)) {
    return forbidden(context, 'missing or wrong CSRF token');
  }
  if (!(await routeSignedInPost(context))) notFound(context);
}

async function routeSignedInPost(context: SignedInContext): Promise<boolean> {
  const { path } = context;
  const { approvals, killSwitch, toolPins } = context.app.config;
  const decision = /^\/approvals\/([^/]+)\/decide$/.exec(path);
  const id = decision?.[1] === undefined ? undefined : decodeSegment(decision[1]);
  if (path === '/sign-out') signOut(context);
  else if (approvals && id !== undefined) await decide(context, approvals, id);
  else if (killSwitch && path === '/kill-switch/activate') await activate(context, killSwitch);
  else if (killSwitch && path === '/kill-switch/deactivate') await deactivate(context, killSwitch);
  else if (toolPins && path === '/tool-pins/approve') await decideToolPin(context, toolPins, 'approve');
  else if (toolPins && path === '/tool-pins/reject') await decideToolPin(context, toolPins, 'reject');
  else return false;
  return true;
}
