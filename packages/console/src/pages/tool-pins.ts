/**
 * The MCP tool pins page: every changed or new tool definition waiting for an operator, the
 * pinned definition and the new one side by side, approve or reject.
 *
 * @module
 */
import { decisionReasonSchema } from '@warden/core';
import type { ConsoleToolPin, ConsoleToolPinsConfig } from '../config.js';
import { frameOf, type SignedInContext } from '../context.js';
import { html, prettyJson, type SafeHtml } from '../html/escape.js';
import { csrfField, layout } from '../html/layout.js';
import { readForm, redirect, sendHtml } from '../http/respond.js';

async function previousOf(pins: ConsoleToolPinsConfig, pin: ConsoleToolPin): Promise<SafeHtml> {
  if (pin.pinnedDigest === undefined) return html`<p>New tool: nothing was pinned before.</p>`;
  const previous = pins.previousToolDefinition
    ? await pins.previousToolDefinition(pin.upstream, pin.tool, pin.pinnedDigest)
    : undefined;
  if (previous === undefined)
    return html`<p>The host did not keep the pinned definition; its digest is <code>${pin.pinnedDigest}</code>.</p>`;
  return html`<pre class="payload" tabindex="0">${prettyJson(previous)}</pre>`;
}

async function pinCard(context: SignedInContext, pins: ConsoleToolPinsConfig, pin: ConsoleToolPin, index: number) {
  const base = context.app.basePath;
  const hidden =
    pin.hiddenCharacters.length === 0
      ? ''
      : html`<p class="flash flash-error">Hidden characters in this definition: ${pin.hiddenCharacters.join(', ')}</p>`;
  const fields = html`${csrfField(context.session)}
<input type="hidden" name="upstream" value="${pin.upstream}">
<input type="hidden" name="tool" value="${pin.tool}">
<input type="hidden" name="digest" value="${pin.digest}">`;
  const reject = pins.rejectToolDefinition
    ? html`<form method="post" action="${base}/tool-pins/reject">${fields}
<label for="pin-reason-${index}">Reason for rejecting</label>
<input id="pin-reason-${index}" name="reason" required maxlength="2000">
<button type="submit" class="danger">Reject</button></form>`
    : '';
  return html`<section class="card pin" aria-labelledby="pin-${index}">
<h2 id="pin-${index}">${pin.upstream} / ${pin.tool}</h2>
${hidden}
<p>New digest <code>${pin.digest}</code>${pin.pinnedDigest === undefined ? '' : html`, pinned <code>${pin.pinnedDigest}</code>`}</p>
<div class="side-by-side">
<div><h3>Pinned definition</h3>${await previousOf(pins, pin)}</div>
<div><h3>New definition</h3><pre class="payload" tabindex="0">${prettyJson(pin.definition)}</pre></div>
</div>
<form method="post" action="${base}/tool-pins/approve">${fields}<button type="submit">Approve and pin</button></form>
${reject}
</section>`;
}

/** `GET /tool-pins`. */
export async function showToolPins(context: SignedInContext, pins: ConsoleToolPinsConfig): Promise<void> {
  const pending = await pins.listPendingToolDefinitions();
  const cards = await Promise.all(pending.map((pin, index) => pinCard(context, pins, pin, index)));
  const body = html`<p>${pending.length} tool definitions wait for an operator. Calls to them are denied until one is pinned.</p>
${cards}`;
  sendHtml(context.response, 200, layout(frameOf(context, 'tool-pins'), 'MCP tool pins', body));
}

/** `POST /tool-pins/approve` and `POST /tool-pins/reject`. */
export async function decideToolPin(
  context: SignedInContext,
  pins: ConsoleToolPinsConfig,
  decision: 'approve' | 'reject',
): Promise<void> {
  const form = await readForm(context.request);
  const pin = {
    upstream: form.get('upstream') ?? '',
    tool: form.get('tool') ?? '',
    digest: form.get('digest') ?? '',
    actor: context.session.operator,
  };
  const label = `${pin.upstream}/${pin.tool}`;
  let done: boolean;
  if (decision === 'approve') done = await pins.approveToolDefinition(pin);
  else {
    const reason = decisionReasonSchema.safeParse(form.get('reason') ?? '');
    if (!reason.success || !pins.rejectToolDefinition) {
      context.session.flash = { kind: 'error', text: `Not rejected: a reason is required for ${label}.` };
      redirect(context.response, `${context.app.basePath}/tool-pins`);
      return;
    }
    done = await pins.rejectToolDefinition({ ...pin, reason: reason.data });
  }
  context.session.flash = done
    ? { kind: 'success', text: `${label} ${decision === 'approve' ? 'is pinned' : 'was rejected'}.` }
    : {
        kind: 'error',
        text: `Nothing was changed: ${label} with that digest is no longer pending (decided or changed meanwhile).`,
      };
  redirect(context.response, `${context.app.basePath}/tool-pins`);
}
