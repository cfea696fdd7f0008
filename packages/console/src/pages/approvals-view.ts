/**
 * How approval requests are shown: as table rows, as a detail page and as JSON for the page's
 * polling script. Everything a requester chose (description, payload, names) is escaped.
 *
 * @module
 */
import type { ApprovalRecord } from '@warden/core';
import { consolePath, html, prettyJson, type SafeHtml } from '../html/escape.js';
import { timeElement } from '../html/layout.js';

/** The gateway fields of a gateway forward's payload (`@warden/gateway` stores them so), when present. */
export function gatewayOf(record: ApprovalRecord): { gateway?: string; target?: string; message?: string } {
  const payload = record.payload as Record<string, unknown> | undefined;
  if (typeof payload !== 'object' || payload === null) return {};
  const pick = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : undefined);
  const gateway = pick('gatewaySession');
  const target = pick('targetSession');
  const message = pick('message');
  return {
    ...(gateway === undefined ? {} : { gateway }),
    ...(target === undefined ? {} : { target }),
    ...(message === undefined ? {} : { message }),
  };
}

/** The operators whose approvals count so far towards the current tier's quorum. */
export function approversOf(record: ApprovalRecord): string[] {
  return record.decisions
    .filter(
      (decision) => decision.decision === 'approve' && (decision.tier === undefined || decision.tier === record.tier),
    )
    .map((decision) => decision.approver);
}

/** The JSON the list page polls: one entry per pending request. */
export function summaryJson(record: ApprovalRecord): Record<string, unknown> {
  const { gateway, target } = gatewayOf(record);
  return {
    id: record.id,
    requester: record.requester,
    description: record.description,
    tier: record.tier,
    gateway: gateway ?? null,
    target: target ?? null,
    approvals: approversOf(record).length,
    quorum: record.quorum,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
  };
}

/** The JSON the detail page polls: where the request stands now. */
export function statusJson(record: ApprovalRecord): Record<string, unknown> {
  return {
    id: record.id,
    status: record.status,
    approvals: approversOf(record),
    quorum: record.quorum,
    decidedBy: record.decidedBy ?? null,
    reason: record.reason ?? null,
    decidedAt: record.decidedAt ?? null,
    summary: record.status === 'pending' ? null : decidedText(record),
  };
}

/** One sentence saying how a request that is no longer pending ended. */
export function decidedText(record: ApprovalRecord): string {
  const by = record.decidedBy === undefined ? '' : ` by ${record.decidedBy}`;
  const at = record.decidedAt === undefined ? '' : ` at ${record.decidedAt}`;
  if (record.status === 'expired') return `This request expired${at} before enough operators approved it.`;
  if (record.status === 'approved') return `This request was approved${by}${at}.`;
  const reason = record.reason === undefined ? '' : `: ${record.reason}`;
  return `This request was ${record.status}${by}${at}${reason}.`;
}

/** A table row of the pending list. */
export function summaryRow(basePath: string, record: ApprovalRecord): SafeHtml {
  const { gateway } = gatewayOf(record);
  return html`<tr>
<td><a href="${consolePath(basePath, 'approvals', record.id)}">${record.description}</a></td>
<td>${record.requester}</td>
<td>${gateway ?? '—'}</td>
<td>${record.tier}</td>
<td>${approversOf(record).length} of ${record.quorum}</td>
<td>${timeElement(record.createdAt)}</td>
<td>${timeElement(record.expiresAt)}</td>
</tr>`;
}

function decodedMessage(message: string | undefined): SafeHtml | string {
  if (message === undefined) return '';
  try {
    const decoded: unknown = JSON.parse(message);
    return html`<h3>The message, decoded</h3><pre class="payload" tabindex="0">${prettyJson(decoded)}</pre>`;
  } catch {
    return '';
  }
}

/** The facts of one request: who, where, tier, quorum, expiry, payload and digest, decisions. */
export function detailBody(record: ApprovalRecord): SafeHtml {
  const { gateway, target, message } = gatewayOf(record);
  const decisions = record.decisions.map(
    (decision) =>
      html`<li>${decision.decision === 'approve' ? 'Approved' : 'Rejected'} by <strong>${decision.approver}</strong> ${timeElement(decision.at)}${decision.reason === undefined ? '' : html`: ${decision.reason}`}</li>`,
  );
  return html`<dl class="facts">
<dt>Status</dt><dd id="request-status">${record.status}</dd>
<dt>Requested by</dt><dd>${record.requester}</dd>
<dt>What</dt><dd>${record.description}</dd>
<dt>Gateway</dt><dd>${gateway ?? '—'}</dd>
<dt>Target session</dt><dd>${target ?? '—'}</dd>
<dt>Tier</dt><dd>${record.tier}</dd>
<dt>Quorum</dt><dd id="request-quorum">${approversOf(record).length} of ${record.quorum} approvals</dd>
<dt>Requested</dt><dd>${timeElement(record.createdAt)}</dd>
<dt>Expires</dt><dd>${record.expiresAt === null ? 'never' : timeElement(record.expiresAt)}</dd>
<dt>Payload digest</dt><dd><code>${record.payloadDigest ?? 'no payload'}</code></dd>
</dl>
<h2>Decisions</h2>
<ul id="request-decisions">${decisions.length === 0 ? html`<li>None yet.</li>` : decisions}</ul>
<h2>The exact payload</h2>
<pre class="payload" tabindex="0">${prettyJson(record.payload)}</pre>
${decodedMessage(message)}`;
}
