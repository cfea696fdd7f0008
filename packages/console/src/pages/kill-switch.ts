/**
 * The kill switch page: state, reason, who and when, the changes this process saw; activate with
 * a reason; deactivate only after a confirmation page.
 *
 * @module
 */
import { type KillSwitch, type KillSwitchState, killSwitchReasonSchema, parseInput, WardenError } from '@warden/core';
import { frameOf, type SignedInContext } from '../context.js';
import { html, type SafeHtml } from '../html/escape.js';
import { csrfField, errorBox, layout, timeElement } from '../html/layout.js';
import { readForm, redirect, sendHtml, sendJson } from '../http/respond.js';

const MAX_HISTORY = 50;

/** Records a change in the history (newest first, bounded). */
export function rememberChange(history: KillSwitchState[], state: KillSwitchState): void {
  const latest = history[0];
  if (latest && latest.active === state.active && latest.changedAt === state.changedAt) return;
  history.unshift({ ...state });
  history.length = Math.min(history.length, MAX_HISTORY);
}

async function readState(killSwitch: KillSwitch): Promise<KillSwitchState | undefined> {
  try {
    return await killSwitch.getState();
  } catch {
    return undefined;
  }
}

function stateBox(state: KillSwitchState | undefined): SafeHtml {
  if (state === undefined) {
    return html`<p class="state state-active" id="kill-switch-state">Unknown: the switch cannot be read, so agents are stopped (fail closed).</p>`;
  }
  const label = state.active ? 'ACTIVE: agents are stopped' : 'Released: agents may run';
  return html`<p class="state ${state.active ? 'state-active' : 'state-released'}" id="kill-switch-state">${label}${state.stale ? ' (stale: the backend could not confirm it recently)' : ''}</p>
<dl class="facts">
<dt>Reason</dt><dd>${state.reason ?? '—'}</dd>
<dt>Changed by</dt><dd>${state.actor ?? '—'}</dd>
<dt>Changed at</dt><dd>${timeElement(state.changedAt)}</dd>
</dl>`;
}

function historyTable(history: readonly KillSwitchState[]): SafeHtml {
  const rows = history.map(
    (entry) =>
      html`<tr><td>${timeElement(entry.changedAt)}</td><td>${entry.active ? 'activated' : 'released'}</td><td>${entry.actor ?? '—'}</td><td>${entry.reason ?? '—'}</td></tr>`,
  );
  return html`<h2>History</h2>
<div class="table-wrap"><table>
<caption>Changes seen by this console since it started, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">Who</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="4">No change seen yet.</td></tr>` : rows}</tbody>
</table></div>`;
}

/** `GET /kill-switch`. */
export async function showKillSwitch(
  context: SignedInContext,
  killSwitch: KillSwitch,
  problem?: string,
): Promise<void> {
  const state = await readState(killSwitch);
  if (state) rememberChange(context.app.killSwitchHistory, state);
  const base = context.app.basePath;
  const activate = html`<form class="card" method="post" action="${base}/kill-switch/activate">
${csrfField(context.session)}
<label for="activate-reason">Reason (required)</label>
<textarea id="activate-reason" name="reason" required maxlength="1000" rows="2"></textarea>
<button type="submit" class="danger">Activate the kill switch</button>
</form>`;
  const release = html`<p><a class="button" href="${base}/kill-switch/deactivate">Release the kill switch…</a></p>`;
  const body = html`${problem === undefined ? '' : errorBox(problem)}
${stateBox(state)}
${state?.active === false ? activate : html`${activate}${release}`}
${historyTable(context.app.killSwitchHistory)}`;
  const page = layout(frameOf(context, 'kill-switch'), 'Kill switch', body, {
    'poll-kill-switch': `${base}/api/kill-switch`,
  });
  sendHtml(context.response, problem === undefined ? 200 : 400, page);
}

/** `GET /api/kill-switch`. */
export async function killSwitchJson(context: SignedInContext, killSwitch: KillSwitch): Promise<void> {
  const state = await readState(killSwitch);
  sendJson(context.response, 200, state ?? { active: true, unknown: true });
}

/** `POST /kill-switch/activate`. */
export async function activate(context: SignedInContext, killSwitch: KillSwitch): Promise<void> {
  const form = await readForm(context.request);
  try {
    const reason = parseInput(killSwitchReasonSchema, form.get('reason') ?? '', 'reason');
    await killSwitch.activate(reason, { actor: context.session.operator });
  } catch (error) {
    if (!WardenError.isInstance(error)) context.app.onError(error);
    const message = WardenError.isInstance(error) ? error.message : 'the backend failed';
    await showKillSwitch(context, killSwitch, `The kill switch was not activated: ${message}`);
    return;
  }
  const state = await readState(killSwitch);
  if (state) rememberChange(context.app.killSwitchHistory, state);
  context.session.flash = { kind: 'success', text: 'The kill switch is active: agents are stopped.' };
  redirect(context.response, `${context.app.basePath}/kill-switch`);
}

/** `GET /kill-switch/deactivate`: the confirmation step. */
export async function confirmDeactivate(context: SignedInContext, killSwitch: KillSwitch): Promise<void> {
  const state = await readState(killSwitch);
  const base = context.app.basePath;
  const body = html`<p>Releasing the switch lets every agent run again at once.</p>
${stateBox(state)}
<form class="card" method="post" action="${base}/kill-switch/deactivate">
${csrfField(context.session)}
<input type="hidden" name="confirm" value="release">
<button type="submit" class="danger">Yes, release the kill switch</button>
<a href="${base}/kill-switch">Cancel</a>
</form>`;
  sendHtml(context.response, 200, layout(frameOf(context, 'kill-switch'), 'Release the kill switch?', body));
}

/** `POST /kill-switch/deactivate`: only with the confirmation field. */
export async function deactivate(context: SignedInContext, killSwitch: KillSwitch): Promise<void> {
  const form = await readForm(context.request);
  if (form.get('confirm') !== 'release') {
    redirect(context.response, `${context.app.basePath}/kill-switch/deactivate`);
    return;
  }
  try {
    await killSwitch.deactivate({ actor: context.session.operator });
  } catch (error) {
    if (!WardenError.isInstance(error)) context.app.onError(error);
    await showKillSwitch(context, killSwitch, 'The kill switch was not released: the backend failed.');
    return;
  }
  const state = await readState(killSwitch);
  if (state) rememberChange(context.app.killSwitchHistory, state);
  context.session.flash = { kind: 'success', text: 'The kill switch is released: agents may run again.' };
  redirect(context.response, `${context.app.basePath}/kill-switch`);
}
