/**
 * The page shell every console page shares: header, navigation, sign-out, flash message.
 *
 * @module
 */
import type { ConsoleSession } from '../security/sessions.js';
import { html, type SafeHtml } from './escape.js';

/** A section of the console the navigation links to. */
export interface NavItem {
  /** Path below the base path, for example `approvals`. */
  path: string;
  /** Link text. */
  label: string;
}

/** What a page needs to render its shell. */
export interface PageFrame {
  /** Where the console is mounted. */
  basePath: string;
  /** The sections configured. */
  nav: readonly NavItem[];
  /** The signed-in operator's session, absent on the sign-in page. */
  session?: ConsoleSession;
  /** The section the page belongs to. */
  current?: string;
}

/** Renders a whole document. */
export function layout(frame: PageFrame, title: string, body: SafeHtml, data: Record<string, string> = {}): SafeHtml {
  const attributes = Object.entries(data).map(([key, value]) => html` data-${key}="${value}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Warden console</title>
<link rel="stylesheet" href="${frame.basePath}/assets/console.css">
<script src="${frame.basePath}/assets/console.js" defer></script>
</head>
<body data-base="${frame.basePath}"${attributes}>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand">Warden console</p>
${frame.session ? navigation(frame) : ''}
</header>
<main id="main">
<h1>${title}</h1>
${flash(frame.session)}
${body}
</main>
</body>
</html>`;
}

function navigation(frame: PageFrame): SafeHtml {
  const session = frame.session as ConsoleSession;
  const links = frame.nav.map(
    (item) =>
      html`<li><a href="${frame.basePath}/${item.path}"${item.path === frame.current ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
  );
  return html`<nav aria-label="Console sections"><ul>${links}</ul></nav>
<form class="sign-out" method="post" action="${frame.basePath}/sign-out">
${csrfField(session)}
<span>Signed in as <strong>${session.operator}</strong></span>
<button type="submit">Sign out</button>
</form>`;
}

function flash(session: ConsoleSession | undefined): SafeHtml | string {
  const message = session?.flash;
  if (message === undefined || session === undefined) return '';
  delete session.flash;
  const role = message.kind === 'error' ? 'alert' : 'status';
  return html`<p class="flash flash-${message.kind}" role="${role}">${message.text}</p>`;
}

/** The hidden field with the session's CSRF token, for every state-changing form. */
export function csrfField(session: ConsoleSession): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrfToken}">`;
}

/** An error message box (for a refused decision, a failed backend). */
export function errorBox(message: string): SafeHtml {
  return html`<p class="flash flash-error" role="alert">${message}</p>`;
}

/** An ISO time shown as a `<time>` element. */
export function timeElement(value: string | number | undefined | null): SafeHtml | string {
  if (value === undefined || value === null) return '—';
  const iso = typeof value === 'number' ? new Date(value).toISOString() : value;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}
