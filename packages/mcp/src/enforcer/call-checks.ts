/**
 * The checks on one `tools/call`: the tool's rules (argument values, size, declared schema) and
 * the approval tier the matching rules ask for.
 *
 * @module
 */
import { matchGlob } from '@warden/core/policy';
import type { ToolRuleConfig } from '../config/config-schema.js';
import { checkArgumentRules, findFoldedDuplicate } from '../policy/argument-rules.js';
import { findUnsafePattern, type InputSchemaChecker } from '../policy/input-schema.js';
import { McpDeniedError } from './denial.js';

const TIER_ORDER = ['auto', 'peer-review', 'team-lead', 'security-review'] as const;

/** The approval tier a call needs. */
export type CallTier = (typeof TIER_ORDER)[number];

/** Matches already made, per rules object (the configuration's, fixed for the enforcer's life). */
const matchedRules = new WeakMap<Record<string, ToolRuleConfig>, Map<string, readonly ToolRuleConfig[]>>();
/** Tool keys remembered per rules object; past it, matches are computed per call again. */
const MAX_REMEMBERED_TOOLS = 10_000;

/** Every rule whose key matches `<upstream>/<tool>`, matched once per tool rather than per call. */
export function matchingRules(
  rules: Record<string, ToolRuleConfig>,
  upstream: string,
  tool: string,
): readonly ToolRuleConfig[] {
  const key = `${upstream}/${tool}`;
  let remembered = matchedRules.get(rules);
  if (remembered === undefined) {
    remembered = new Map();
    matchedRules.set(rules, remembered);
  }
  const known = remembered.get(key);
  if (known !== undefined) return known;
  const matched = Object.entries(rules)
    .filter(([pattern]) => pattern === key || matchGlob(pattern, key))
    .map(([, rule]) => rule);
  if (remembered.size < MAX_REMEMBERED_TOOLS) remembered.set(key, matched);
  return matched;
}

/** The strictest approval tier among `rules`. */
export function requiredTier(rules: readonly ToolRuleConfig[]): CallTier {
  let index = 0;
  for (const rule of rules) index = Math.max(index, TIER_ORDER.indexOf(rule.approval ?? 'auto'));
  return TIER_ORDER[index] ?? 'auto';
}

/**
 * True when some object in `value` has an own `__proto__` key. `JSON.parse` makes it a plain key,
 * which argument rules (reading own keys) do not see; a server that copies arguments with
 * `Object.assign` makes it the prototype, and then reads `path` from it.
 */
export function hasProtoKey(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (!Array.isArray(item) && Object.hasOwn(item, '__proto__')) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push(child);
  }
  return false;
}

/**
 * True when calls must match the tool's declared input schema. Every matching rule applies: a broad
 * rule turning the schema check off does not overrule a rule that asks for it by name.
 */
export function schemaCheckApplies(rules: readonly ToolRuleConfig[]): boolean {
  return !rules.some((rule) => rule.matchInputSchema === false) || rules.some((rule) => rule.matchInputSchema === true);
}

/** Throws a denial when the arguments break a rule or the declared input schema. */
export function checkCallArguments(
  rules: readonly ToolRuleConfig[],
  args: Record<string, unknown>,
  inputSchema: unknown,
  schemaChecker: InputSchemaChecker,
): void {
  if (hasProtoKey(args))
    throw new McpDeniedError({ denial: 'ARGUMENT_DENIED', message: 'arguments must not contain a __proto__ key' });
  // Rules match names case-insensitively after NFKC; two keys that fold alike would let a rule
  // check one while a lenient server reads the other.
  const duplicate = findFoldedDuplicate(args);
  if (duplicate !== undefined)
    throw new McpDeniedError({
      denial: 'ARGUMENT_DENIED',
      message: `argument ${JSON.stringify(duplicate.slice(0, 64))} has the same name as another once case and Unicode forms are folded`,
    });
  // Serialised only when a rule bounds the size (once per call, not per rule).
  let encodedBytes: number | undefined;
  for (const rule of rules) {
    if (rule.maxArgumentsBytes !== undefined) {
      encodedBytes ??= Buffer.byteLength(JSON.stringify(args));
      if (encodedBytes > rule.maxArgumentsBytes) {
        throw new McpDeniedError({
          denial: 'ARGUMENT_DENIED',
          message: `arguments are ${encodedBytes} bytes, more than ${rule.maxArgumentsBytes}`,
        });
      }
    }
    if (rule.arguments) {
      const violation = checkArgumentRules(rule.arguments, args);
      if (violation)
        throw new McpDeniedError({
          denial: 'ARGUMENT_DENIED',
          message: `argument ${violation.argument} ${violation.reason}`,
        });
    }
  }
  if (!schemaCheckApplies(rules)) return;
  // A pattern that could hold the event loop (see pattern-cost.ts) refuses the tool, whatever the
  // arguments: it is hidden from listings too.
  const unsafePattern = findUnsafePattern(inputSchema);
  if (unsafePattern !== undefined) throw new McpDeniedError({ denial: 'TOOL_DENIED', message: unsafePattern });
  const problem = schemaChecker.check(inputSchema, args);
  if (problem !== undefined) throw new McpDeniedError({ denial: 'SCHEMA_MISMATCH', message: problem });
}
