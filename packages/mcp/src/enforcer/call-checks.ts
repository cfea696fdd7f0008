/**
 * The checks on one `tools/call`: the tool's rules (argument values, size, declared schema) and
 * the approval tier the matching rules ask for.
 *
 * @module
 */
import { matchGlob } from '@warden/core/policy';
import type { ToolRuleConfig } from '../config/config-schema.js';
import { checkArgumentRules } from '../policy/argument-rules.js';
import type { InputSchemaChecker } from '../policy/input-schema.js';
import { McpDeniedError } from './denial.js';

const TIER_ORDER = ['auto', 'peer-review', 'team-lead', 'security-review'] as const;

/** The approval tier a call needs. */
export type CallTier = (typeof TIER_ORDER)[number];

/** Every rule whose key matches `<upstream>/<tool>`. */
export function matchingRules(rules: Record<string, ToolRuleConfig>, upstream: string, tool: string): ToolRuleConfig[] {
  const key = `${upstream}/${tool}`;
  return Object.entries(rules)
    .filter(([pattern]) => pattern === key || matchGlob(pattern, key))
    .map(([, rule]) => rule);
}

/** The strictest approval tier among `rules`. */
export function requiredTier(rules: readonly ToolRuleConfig[]): CallTier {
  let index = 0;
  for (const rule of rules) index = Math.max(index, TIER_ORDER.indexOf(rule.approval ?? 'auto'));
  return TIER_ORDER[index] ?? 'auto';
}

/** Throws a denial when the arguments break a rule or the declared input schema. */
export function checkCallArguments(
  rules: readonly ToolRuleConfig[],
  args: Record<string, unknown>,
  inputSchema: unknown,
  schemaChecker: InputSchemaChecker,
): void {
  const encodedBytes = Buffer.byteLength(JSON.stringify(args));
  for (const rule of rules) {
    if (rule.maxArgumentsBytes !== undefined && encodedBytes > rule.maxArgumentsBytes) {
      throw new McpDeniedError({
        denial: 'ARGUMENT_DENIED',
        message: `arguments are ${encodedBytes} bytes, more than ${rule.maxArgumentsBytes}`,
      });
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
  if (rules.some((rule) => rule.matchInputSchema === false)) return;
  const problem = schemaChecker.check(inputSchema, args);
  if (problem !== undefined) throw new McpDeniedError({ denial: 'SCHEMA_MISMATCH', message: problem });
}
