/**
 * The approvals page: the pending queue (paged, filtered), one request in detail, and approve or
 * reject with a required reason. A request decided or expired meanwhile says so.
 *
 * @module
 */
import {
  type ApprovalFilter,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  type ApprovalRecord,
  type ApprovalTier,
  approvalIdSchema,
  decisionReasonSchema,
  InvalidInputError,
  parseInput,
  WardenError,
} from '@warden/core';
import type { ConsoleApprovalsConfig } from '../config.js';
import { frameOf, type SignedInContext } from '../context.js';
import { consolePath, html, type SafeHtml } from '../html/escape.js';
import { csrfField, errorBox, layout } from '../html/layout.js';
import { readForm, redirect, sendHtml, sendJson } from '../http/respond.js';
import {
  approversOf,
  decidedText,
  detailBody,
  gatewayOf,
  statusJson,
  summaryJson,
  summaryRow,
} from './approvals-view.js';

const TIERS: readonly ApprovalTier[] = ['auto', 'peer-review', 'team-lead', 'security-review'];
const PAGE_SIZE = 20;

interface ListQuery {
  tier?: ApprovalTier;
  gateway?: string;
  requester?: string;
  cursor?: string;
}

function listQueryOf(url: URL): ListQuery {
  const query: ListQuery = {};
  const tier = url.searchParams.get('tier');
  if (tier !== null && (TIERS as readonly string[]).includes(tier)) query.tier = tier as ApprovalTier;
  for (const key of ['gateway', 'requester', 'cursor'] as const) {
    const value = url.searchParams.get(key)?.trim();
    if (value) query[key] = value.slice(0, 300);
  }
  return query;
}

const cursorOf = (record: ApprovalRecord): string => `${record.createdAt}|${record.id}`;

/** The records after the cursor's; when that one was decided meanwhile, those requested later. */
function afterCursor(records: ApprovalRecord[], cursor: string | undefined): ApprovalRecord[] {
  if (cursor === undefined) return records;
  const index = records.findIndex((record) => cursorOf(record) === cursor);
  if (index >= 0) return records.slice(index + 1);
  const createdAt = cursor.split('|')[0] ?? '';
  return records.filter((record) => record.createdAt > createdAt);
}

/** One page of pending requests, oldest first; the cursor is the last one's time and id. */
async function pendingPage(approvals: ConsoleApprovalsConfig, query: ListQuery) {
  const filter: ApprovalFilter = {
    ...(query.tier ? { tier: query.tier } : {}),
    ...(query.requester ? { requester: query.requester } : {}),
  };
  const matching = afterCursor(
    (await approvals.workflow.listPending(filter)).filter(
      (record) => query.gateway === undefined || gatewayOf(record).gateway === query.gateway,
    ),
    query.cursor,
  );
  const records = matching.slice(0, PAGE_SIZE);
  const last = records.at(-1);
  return { records, nextCursor: matching.length > PAGE_SIZE && last ? cursorOf(last) : undefined };
}

function queryString(query: ListQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function filterForm(basePath: string, query: ListQuery): SafeHtml {
  const options = TIERS.map(
    (tier) => html`<option value="${tier}"${query.tier === tier ? html` selected` : ''}>${tier}</option>`,
  );
  return html`<form class="filters" method="get" action="${basePath}/approvals">
<div><label for="filter-tier">Tier</label>
<select id="filter-tier" name="tier"><option value="">Any tier</option>${options}</select></div>
<div><label for="filter-gateway">Gateway</label>
<input id="filter-gateway" name="gateway" value="${query.gateway ?? ''}"></div>
<div><label for="filter-requester">Requester</label>
<input id="filter-requester" name="requester" value="${query.requester ?? ''}"></div>
<div><button type="submit">Filter</button></div>
</form>`;
}

/** `GET /approvals`. */
export async function showApprovals(context: SignedInContext, approvals: ConsoleApprovalsConfig): Promise<void> {
  const { basePath } = context.app;
  const query = listQueryOf(context.url);
  const { records, nextCursor } = await pendingPage(approvals, query);
  const { cursor: _cursor, ...filters } = query;
  const next =
    nextCursor === undefined
      ? ''
      : html`<p><a href="${basePath}/approvals${queryString({ ...filters, cursor: nextCursor })}">Next page</a></p>`;
  const body = html`${filterForm(basePath, query)}
<p id="pending-count" role="status" aria-live="polite">${records.length} pending on this page.</p>
<div class="table-wrap"><table>
<caption>Requests waiting for a decision, oldest first</caption>
<thead><tr><th scope="col">Request</th><th scope="col">Requester</th><th scope="col">Gateway</th><th scope="col">Tier</th><th scope="col">Quorum</th><th scope="col">Requested</th><th scope="col">Expires</th></tr></thead>
<tbody id="pending-rows">${records.map((record) => summaryRow(basePath, record))}</tbody>
</table></div>
${next}`;
  const poll = `${basePath}/api/approvals${queryString(query)}`;
  sendHtml(context.response, 200, layout(frameOf(context, 'approvals'), 'Approvals', body, { 'poll-list': poll }));
}

/** `GET /api/approvals`: what the list page polls. */
export async function approvalsJson(context: SignedInContext, approvals: ConsoleApprovalsConfig): Promise<void> {
  const { records, nextCursor } = await pendingPage(approvals, listQueryOf(context.url));
  sendJson(context.response, 200, {
    pending: records.map(summaryJson),
    ...(nextCursor === undefined ? {} : { nextCursor }),
  });
}

async function findRecord(approvals: ConsoleApprovalsConfig, rawId: string): Promise<ApprovalRecord | undefined> {
  const parsed = approvalIdSchema.safeParse(rawId);
  if (!parsed.success) return undefined;
  try {
    return await approvals.workflow.get(parsed.data);
  } catch (error) {
    if (ApprovalNotFoundError.isInstance(error)) return undefined;
    throw error;
  }
}

/** `GET /api/approvals/:id`: what the detail page polls. */
export async function approvalJson(
  context: SignedInContext,
  approvals: ConsoleApprovalsConfig,
  id: string,
): Promise<void> {
  const record = await findRecord(approvals, id);
  if (record === undefined) {
    sendJson(context.response, 404, { error: { code: 'APPROVAL_NOT_FOUND', message: 'No such request' } });
    return;
  }
  sendJson(context.response, 200, statusJson(record));
}

function decisionForm(context: SignedInContext, record: ApprovalRecord): SafeHtml {
  const action = `${consolePath(context.app.basePath, 'approvals', record.id)}/decide`;
  return html`<form id="decision-form" class="card" method="post" action="${action}">
${csrfField(context.session)}
<label for="reason">Reason (required, recorded with your decision)</label>
<textarea id="reason" name="reason" required maxlength="2000" rows="3"></textarea>
<div class="buttons">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="reject" class="danger">Reject</button>
</div>
</form>`;
}

/** `GET /approvals/:id` (also the page shown after a refused decision, with `problem`). */
export async function showApproval(
  context: SignedInContext,
  approvals: ConsoleApprovalsConfig,
  id: string,
  problem?: { status: number; message: string },
): Promise<void> {
  const record = await findRecord(approvals, id);
  if (record === undefined) {
    const body = html`${errorBox('No request has this id: it may have been removed.')}
<p><a href="${context.app.basePath}/approvals">Back to the queue</a></p>`;
    sendHtml(context.response, 404, layout(frameOf(context, 'approvals'), 'Request not found', body));
    return;
  }
  const decided = record.status === 'pending' ? '' : html`<p class="flash flash-info">${decidedText(record)}</p>`;
  const body = html`${problem ? errorBox(problem.message) : ''}
<p id="live-status" class="live" role="status" aria-live="polite">${decided}</p>
${detailBody(record)}
${record.status === 'pending' ? decisionForm(context, record) : ''}
<p><a href="${context.app.basePath}/approvals">Back to the queue</a></p>`;
  const poll = `${consolePath(context.app.basePath, 'api', 'approvals', record.id)}`;
  const page = layout(frameOf(context, 'approvals'), 'Approval request', body, { 'poll-request': poll });
  sendHtml(context.response, problem?.status ?? 200, page);
}

/** `POST /approvals/:id/decide`: approve or reject with a reason. */
export async function decide(context: SignedInContext, approvals: ConsoleApprovalsConfig, id: string): Promise<void> {
  const form = await readForm(context.request);
  const decision = form.get('decision');
  const operator = context.session.operator;
  let outcome: unknown;
  try {
    const reason = parseInput(decisionReasonSchema, form.get('reason') ?? '', 'reason');
    const record = await findRecord(approvals, id);
    if (record === undefined) throw new ApprovalNotFoundError({ id });
    if (record.status !== 'pending') throw new ApprovalNotPendingError({ id, status: record.status });
    if (decision === 'approve' && approversOf(record).includes(operator)) {
      // A replay (a second tab, a resent form) counts for nothing in the workflow; said so, and not
      // recorded again, so the audit trail never shows one operator's approval as two.
      const message =
        'Nothing was changed. You approved this request already; it needs approvals from other operators.';
      await showApproval(context, approvals, id, { status: 409, message });
      return;
    }
    if (decision === 'approve') {
      outcome = await (approvals.approve ?? ((requestId, approver) => approvals.workflow.approve(requestId, approver)))(
        id,
        operator,
        reason,
      );
      // The workflow keeps no reason for an approval: the audit trail does.
      context.app.emit({
        type: 'access_granted',
        details: { step: 'console-approve', requestId: id, operator, reason },
      });
    } else if (decision === 'reject') {
      await (approvals.reject ?? ((requestId, approver, why) => approvals.workflow.reject(requestId, approver, why)))(
        id,
        operator,
        reason,
      );
    } else {
      throw new InvalidInputError({ message: 'Choose approve or reject', issues: [{ path: 'decision', message: '' }] });
    }
    const ran = (outcome as { status?: unknown } | undefined)?.status === 'completed' ? ' The host ran it.' : '';
    context.session.flash = { kind: 'success', text: `${await afterDecision(context, approvals, id, decision)}${ran}` };
    redirect(context.response, consolePath(context.app.basePath, 'approvals', id));
  } catch (error) {
    await showApproval(context, approvals, id, await refusal(context, approvals, id, error));
  }
}

/**
 * What the operator is told once the decision is recorded. The request is read back to say where
 * it stands; that read failing (a backend blip) must not report the recorded decision as failed:
 * the operator would try again, or think a request that was approved (and run by the host) was not.
 */
async function afterDecision(
  context: SignedInContext,
  approvals: ConsoleApprovalsConfig,
  id: string,
  decision: string,
): Promise<string> {
  const recorded = `Your ${decision === 'approve' ? 'approval' : 'rejection'} was recorded.`;
  let record: ApprovalRecord | undefined;
  try {
    record = await findRecord(approvals, id);
  } catch (error) {
    context.app.onError(error);
    return `${recorded} Where the request stands now could not be read; reload to see it.`;
  }
  if (record === undefined) return recorded;
  if (record.status === 'pending') return 'Your approval was recorded; the request needs more approvals.';
  return decidedText(record);
}

/** A typed error as a message that says what happened, never a silent failure. */
async function refusal(
  context: SignedInContext,
  approvals: ConsoleApprovalsConfig,
  id: string,
  error: unknown,
): Promise<{ status: number; message: string }> {
  if (ApprovalNotPendingError.isInstance(error)) {
    const record = await findRecord(approvals, id);
    const what = record ? decidedText(record) : `This request is ${error.status}.`;
    return { status: 409, message: `Nothing was changed. ${what}` };
  }
  if (ApprovalNotFoundError.isInstance(error)) return { status: 404, message: 'No request has this id.' };
  if (InvalidInputError.isInstance(error)) {
    return { status: 400, message: `A reason is required (at most 2,000 characters). ${error.message}` };
  }
  if (WardenError.isInstance(error)) return { status: 409, message: `Refused (${error.code}): ${error.message}` };
  context.app.onError(error);
  return { status: 500, message: 'The decision could not be recorded: the backend failed. Try again.' };
}
