/**
 * `@warden/cli`: the `warden` command, and the functions behind it for hosts that want the same
 * lint and diff in their own tooling.
 *
 * @module
 */
export { type CliIo, EXIT, UsageError } from './io.js';
export { formatExplanation } from './policy/check.js';
export { diffConfigs, OTHER_SESSION, type PolicyChange } from './policy/diff.js';
export { LINT_RULES, type LintFinding, type LintRuleId, lintConfig, lintDocument } from './policy/lint.js';
export { run } from './run.js';
