/**
 * The audit page: the latest events (filtered by type and by a text search) and the log's
 * verification status: the newest signed checkpoint and whether the log matches it.
 *
 * @module
 */
import { type SecurityEvent, WardenError } from '@warden/core';
import type { ConsoleAuditReport, ConsoleAuditSource } from '../config.js';
import { frameOf, type SignedInContext } from '../context.js';
import { html, prettyJson, type SafeHtml } from '../html/escape.js';
import { layout, timeElement } from '../html/layout.js';
import { sendHtml } from '../http/respond.js';

const SHOWN = 50;
/** How far back a filtered search reads, so a page never scans a huge log. */
const SCANNED = 2_000;

interface AuditFilter {
  type?: string;
  text?: string;
}

/** An entry as shown: its event, or why it could not be read. */
type ShownEntry = { seq: number; event: SecurityEvent } | { seq: number; unreadable: string };

/** Why a read failed, in words for the page: a typed error's code, never a stack. */
function failureOf(error: unknown): string {
  return WardenError.isInstance(error) ? error.code : 'an unexpected error';
}

async function readEntry(audit: ConsoleAuditSource, index: number, onError: (error: unknown) => void) {
  try {
    return await audit.entry(index);
  } catch (error) {
    if (!WardenError.isInstance(error)) onError(error);
    return { seq: index, unreadable: `entry ${index} could not be read (${failureOf(error)})` };
  }
}

/**
 * The newest entries that match. An entry that cannot be read (a record someone who can write the
 * storage turned into garbage) is shown whatever the filter, instead of failing the page and
 * hiding the verification verdict with it.
 */
async function latestEvents(audit: ConsoleAuditSource, filter: AuditFilter, onError: (error: unknown) => void) {
  const size = await audit.size();
  const events: ShownEntry[] = [];
  for (let index = size - 1; index >= 0 && index >= size - SCANNED && events.length < SHOWN; index--) {
    const entry = await readEntry(audit, index, onError);
    if ('event' in entry) {
      if (filter.type !== undefined && entry.event.type !== filter.type) continue;
      if (filter.text !== undefined && !JSON.stringify(entry.event).toLowerCase().includes(filter.text)) continue;
    }
    events.push(entry);
  }
  return { size, events };
}

function sourceText(event: SecurityEvent): string {
  const source = event.source;
  if (source === undefined) return '—';
  const who = source.identity?.userId ?? source.identity?.publicKey?.slice(0, 16);
  return `${source.type} (${source.trustLevel})${who === undefined ? '' : ` ${who}`}`;
}

function problemRow(seq: number, problem: string): SafeHtml {
  return html`<tr><td>${seq}</td><td colspan="5" class="bad">${problem}</td></tr>`;
}

/**
 * One row per entry. A stored entry is only checked to be JSON with an event object, so its
 * fields may have any type (a time no date can hold): such an entry gets a row saying so
 * instead of failing the page.
 */
function eventRows(events: readonly ShownEntry[]): SafeHtml[] {
  return events.map((entry) => {
    if (!('event' in entry)) return problemRow(entry.seq, entry.unreadable);
    const { seq, event } = entry;
    try {
      return html`<tr><td>${seq}</td><td>${timeElement(event.timestamp)}</td><td>${event.type}</td><td>${event.session ?? '—'}</td><td>${sourceText(event)}</td><td><pre class="details">${prettyJson(event.details)}</pre></td></tr>`;
    } catch {
      return problemRow(seq, `entry ${seq} could not be shown (its event is malformed)`);
    }
  });
}

/** The verification status; a check that fails to run says NOT verified rather than failing the page. */
async function verification(
  audit: ConsoleAuditSource,
  verify: (() => Promise<ConsoleAuditReport>) | undefined,
  onError: (error: unknown) => void,
): Promise<SafeHtml> {
  try {
    return await verificationFacts(audit, verify);
  } catch (error) {
    if (!WardenError.isInstance(error)) onError(error);
    return html`<dl class="facts"><dt>Verified</dt><dd id="audit-verified" class="bad">NOT verified: the log could not be checked (${failureOf(error)})</dd></dl>`;
  }
}

async function verificationFacts(
  audit: ConsoleAuditSource,
  verify: (() => Promise<ConsoleAuditReport>) | undefined,
): Promise<SafeHtml> {
  const checkpoint = audit.latestCheckpoint ? await audit.latestCheckpoint() : undefined;
  const head = checkpoint
    ? html`<dt>Last checkpoint</dt><dd>${checkpoint.checkpoint.size} entries, origin <code>${checkpoint.checkpoint.origin}</code>, root <code>${Buffer.from(checkpoint.checkpoint.rootHash).toString('base64')}</code></dd>`
    : html`<dt>Last checkpoint</dt><dd>${audit.latestCheckpoint ? 'none signed yet' : 'this audit source signs no checkpoints'}</dd>`;
  if (!verify) {
    return html`<dl class="facts">${head}<dt>Verified</dt><dd id="audit-verified">not available from this audit source</dd></dl>`;
  }
  const report = await verify();
  const verdict = report.ok
    ? `verified: ${report.verifiedSize} of ${report.size} entries covered by ${report.validCheckpoints} valid checkpoints`
    : `NOT verified: ${report.problems.length} problems found`;
  return html`<dl class="facts">${head}<dt>Verified</dt><dd id="audit-verified" class="${report.ok ? 'ok' : 'bad'}">${verdict}</dd></dl>`;
}

function filterOf(url: URL): AuditFilter {
  const filter: AuditFilter = {};
  const type = url.searchParams.get('type')?.trim();
  const text = url.searchParams.get('q')?.trim().toLowerCase();
  if (type) filter.type = type.slice(0, 100);
  if (text) filter.text = text.slice(0, 200);
  return filter;
}

/** `GET /audit`. */
export async function showAudit(context: SignedInContext, audit: ConsoleAuditSource): Promise<void> {
  const filter = filterOf(context.url);
  const onError = context.app.onError;
  const [{ size, events }, status] = await Promise.all([
    latestEvents(audit, filter, onError),
    verification(audit, context.app.verifyAudit, onError),
  ]);
  const base = context.app.basePath;
  const body = html`<h2>Verification</h2>
${status}
<h2>Latest events</h2>
<form class="filters" method="get" action="${base}/audit">
<div><label for="audit-type">Event type</label><input id="audit-type" name="type" value="${filter.type ?? ''}" placeholder="access_denied"></div>
<div><label for="audit-q">Contains</label><input id="audit-q" name="q" value="${filter.text ?? ''}"></div>
<div><button type="submit">Filter</button></div>
</form>
<p>${size} entries in the log; the ${events.length} newest that match are shown.</p>
<div class="table-wrap"><table>
<caption>Audit events, newest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Type</th><th scope="col">Session</th><th scope="col">Source</th><th scope="col">Details</th></tr></thead>
<tbody>${eventRows(events)}</tbody>
</table></div>`;
  sendHtml(context.response, 200, layout(frameOf(context, 'audit'), 'Audit trail', body));
}
