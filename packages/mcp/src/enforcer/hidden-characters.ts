/**
 * What an upstream shows the model besides its tools — the `instructions` of its `initialize`
 * result, its prompts, resources and resource templates — checked for the characters that hide
 * instructions in a tool definition (control, invisible, bidirectional-control and tag
 * characters), under the same policy: flagged with a `policy_warning` event, and withheld while
 * pinning is enforced, as such a tool is (it is never pinned on first use).
 *
 * @module
 */
import { findHiddenCharacters } from '../pinning/tool-definition.js';
import type { EnforcerState } from './enforcer.js';
import { isRecord, type McpOutcome } from './messages.js';

/** Methods whose result carries the server's `instructions`. */
const INSTRUCTION_METHODS = new Set(['initialize', 'server/discover']);

/** At most this many withheld items are named in the event (a listing may hold thousands). */
const MAX_NAMED = 16;

function withholding(state: EnforcerState): boolean {
  return state.config.pinning.mode === 'enforce';
}

/**
 * The `initialize` (or `server/discover`) result without `instructions` that hide characters
 * (while pinning is enforced); every other result as it is. Instructions reach the model's
 * context like a tool's description does.
 */
export async function withholdHiddenInstructions(
  state: EnforcerState,
  upstream: string,
  method: string,
  outcome: McpOutcome,
): Promise<McpOutcome> {
  if (!INSTRUCTION_METHODS.has(method) || 'error' in outcome || !isRecord(outcome.result)) return outcome;
  const hiddenCharacters = findHiddenCharacters(outcome.result.instructions);
  if (hiddenCharacters.length === 0) return outcome;
  const withheld = withholding(state);
  await state.log
    .record('hidden-characters', undefined, upstream, { method, field: 'instructions', hiddenCharacters, withheld })
    .catch(() => undefined);
  if (!withheld) return outcome;
  const { instructions: _withheld, ...result } = outcome.result;
  return { result };
}

/**
 * The listing (`prompts`, `resources` or `resourceTemplates` in the result) without the items
 * that hide characters anywhere (name, description, arguments, keys; while pinning is enforced).
 */
export async function withholdHiddenItems(
  state: EnforcerState,
  upstream: string,
  method: string,
  outcome: McpOutcome,
  field: string,
): Promise<McpOutcome> {
  if ('error' in outcome || !isRecord(outcome.result) || !Array.isArray(outcome.result[field])) return outcome;
  const flagged: string[] = [];
  const found = new Set<string>();
  const clean = (outcome.result[field] as unknown[]).filter((item) => {
    const hidden = findHiddenCharacters(item);
    if (hidden.length === 0) return true;
    for (const codePoint of hidden) found.add(codePoint);
    flagged.push(itemName(item));
    return false;
  });
  if (flagged.length === 0) return outcome;
  const withheld = withholding(state);
  await state.log
    .record('hidden-characters', undefined, upstream, {
      method,
      field,
      items: flagged.slice(0, MAX_NAMED),
      count: flagged.length,
      hiddenCharacters: [...found].sort(byCodePoint).slice(0, MAX_NAMED),
      withheld,
    })
    .catch(() => undefined);
  return withheld ? { result: { ...outcome.result, [field]: clean } } : outcome;
}

/** `U+XXXX` names in code-point order. */
function byCodePoint(first: string, second: string): number {
  return Number.parseInt(first.slice(2), 16) - Number.parseInt(second.slice(2), 16);
}

function itemName(item: unknown): string {
  const named = isRecord(item) ? (item.name ?? item.uri ?? item.uriTemplate) : undefined;
  return typeof named === 'string' ? named.slice(0, 256) : '';
}
