/**
 * `warden policy lint`: validation errors first (field path first), then findings, each with a
 * stable rule id a CI step can fail on.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import {
  type CapabilityRegistry,
  getDefaultCapabilityRegistry,
  parseInput,
  type SecurityConfig,
  type SecurityPolicy,
  escapeTerminalText as safe,
  securityConfigSchema,
  TRUST_LEVELS,
  type TrustLevel,
} from '@warden/core';
import { compileGlobList, findSandboxLoosening, isGlob, layerSandbox } from '@warden/core/policy';
import { type CliIo, EXIT, readJsonFile, UsageError, validationIssues } from '../io.js';
import { findDenyShadowedByAllow, findUnreachableDefaults } from './lint-reach.js';

/** The stable ids of lint findings. */
export type LintRuleId =
  | 'config-invalid'
  | 'allow-shadowed-by-deny'
  | 'deny-shadowed-by-allow'
  | 'rule-unreachable'
  | 'tool-unmapped'
  | 'session-owner-only'
  | 'sandbox-loosened'
  | 'glob-matches-nothing';

/** Every lint rule, with what it finds. */
export const LINT_RULES: Readonly<Record<LintRuleId, string>> = Object.freeze({
  'config-invalid': 'the document fails validation (reported with the field path)',
  'allow-shadowed-by-deny': 'an allow-list entry whose every tool is denied by a deny pattern that applies with it',
  'deny-shadowed-by-allow':
    'a deny-list entry that never decides: wherever it applies, the allow list in effect already excludes every tool it denies',
  'rule-unreachable': 'a defaults setting that applies to no source, because every trust level sets its own',
  'tool-unmapped': 'a tool named in an allow list with no capability mapping (never usable, or unguarded)',
  'session-owner-only': 'a session whose access list admits no one but the owner',
  'sandbox-loosened': 'a sandbox setting looser than the built-in defaults of a trust level it applies to',
  'glob-matches-nothing': 'a tool glob that matches no tool in the tool map',
});

/** One lint finding. */
export interface LintFinding {
  /** The rule's stable id. */
  id: LintRuleId;
  /** Where in the configuration (a dotted field path). */
  path: string;
  /** What is wrong. */
  message: string;
}

/** The help text of `warden policy lint`. */
export const LINT_HELP: string = `Usage: warden policy lint <config> [--json]

Validates a security configuration and reports findings, each with a stable rule id:
${Object.entries(LINT_RULES)
  .map(([id, what]) => `  ${id.padEnd(23)} ${what}`)
  .join('\n')}

Options:
  --json        print { findings: [{ id, path, message }] } as JSON
  -h, --help    show this help

Exit codes: 0 clean, 1 findings (or an invalid configuration), 2 usage or input error,
70 internal failure.`;

/** Runs `warden policy lint`; returns the exit code. */
export function runLint(argv: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(LINT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('policy lint takes exactly one <config> file');
  const findings = lintDocument(readJsonFile(positionals[0] as string));
  if (values.json) {
    io.out(JSON.stringify({ findings }, null, 2));
  } else if (findings.length === 0) {
    io.out('no findings');
  } else {
    // A configuration under review may come from anyone (a pull request): one finding, one line.
    for (const finding of findings)
      io.out(`${safe(finding.path || '(root)')}: ${safe(finding.message)} [${finding.id}]`);
    io.out(`${findings.length} finding${findings.length === 1 ? '' : 's'}`);
  }
  return findings.length === 0 ? EXIT.ok : EXIT.findings;
}

/**
 * Lints a parsed JSON document: validation issues (as `config-invalid`) when it is not a valid
 * configuration, otherwise the findings of every rule.
 */
export function lintDocument(
  document: unknown,
  registry: CapabilityRegistry = getDefaultCapabilityRegistry(),
): LintFinding[] {
  const issues = validationIssues(document);
  if (issues.length > 0)
    return issues.map((issue) => ({ id: 'config-invalid', path: issue.path, message: issue.message }));
  return lintConfig(parseInput(securityConfigSchema, document, 'security config'), registry);
}

interface NamedLayer {
  path: string;
  layer: SecurityPolicy;
  /** The deny patterns that apply together with this layer's allow list. */
  applicableDeny: string[];
}

/** The findings of every lint rule on a valid configuration. */
export function lintConfig(
  config: SecurityConfig,
  registry: CapabilityRegistry = getDefaultCapabilityRegistry(),
): LintFinding[] {
  const findings: LintFinding[] = [];
  const toolMap = new Map<string, string>(registry.toolMappings());
  for (const [tool, capability] of Object.entries(config.toolCapabilities)) toolMap.set(tool, capability);
  const knownTools = [...toolMap.keys()];
  const defaultDeny = config.defaults.tools?.deny ?? [];
  const layers: NamedLayer[] = [{ path: 'defaults', layer: config.defaults, applicableDeny: defaultDeny }];
  for (const [level, layer] of Object.entries(config.trustLevels)) {
    if (layer)
      layers.push({
        path: `trustLevels.${level}`,
        layer,
        applicableDeny: [...defaultDeny, ...(layer.tools?.deny ?? [])],
      });
  }
  for (const [name, layer] of Object.entries(config.sessions)) {
    if (layer)
      layers.push({ path: `sessions.${name}`, layer, applicableDeny: [...defaultDeny, ...(layer.tools?.deny ?? [])] });
  }

  for (const { path, layer, applicableDeny } of layers) {
    const deny = compileGlobList(applicableDeny);
    (layer.tools?.allow ?? []).forEach((entry, index) => {
      const where = `${path}.tools.allow.${index}`;
      const covered = isGlob(entry) ? knownTools.filter((tool) => compileGlobList([entry]).matches(tool)) : [entry];
      const denier = applicableDeny.find((pattern) => pattern === entry || pattern === '*');
      if (denier !== undefined || (covered.length > 0 && covered.every((tool) => deny.matches(tool)))) {
        findings.push({
          id: 'allow-shadowed-by-deny',
          path: where,
          message: `allow entry ${JSON.stringify(entry)} can never take effect: every tool it allows is denied (${
            denier ?? covered.map((tool) => deny.firstMatch(tool)).join(', ')
          })`,
        });
      }
    });
    for (const list of ['allow', 'deny'] as const) {
      (layer.tools?.[list] ?? []).forEach((entry, index) => {
        const where = `${path}.tools.${list}.${index}`;
        if (isGlob(entry)) {
          if (entry !== '*' && !knownTools.some((tool) => compileGlobList([entry]).matches(tool))) {
            findings.push({
              id: 'glob-matches-nothing',
              path: where,
              message: `glob ${JSON.stringify(entry)} matches no tool in the tool map (core, plugins and toolCapabilities)`,
            });
          }
        } else if (!toolMap.has(entry) && list === 'allow') {
          findings.push({
            id: 'tool-unmapped',
            path: where,
            message:
              config.unmappedTools === 'deny'
                ? `tool ${JSON.stringify(entry)} has no capability mapping and unmappedTools is "deny": it can never be used; map it in toolCapabilities`
                : `tool ${JSON.stringify(entry)} has no capability mapping: unmappedTools "allow" lets it through without any capability`,
          });
        }
      });
    }
  }

  for (const [name, session] of Object.entries(config.sessions)) {
    if (!session) continue;
    const access = session.access ?? config.defaultAccess;
    const fromDefault = session.access === undefined;
    if (access.length === 0 || access.every((pattern) => pattern === 'trust:owner')) {
      findings.push({
        id: 'session-owner-only',
        path: fromDefault ? 'defaultAccess' : `sessions.${name}.access`,
        message: `session ${JSON.stringify(name)} admits only the owner${fromDefault ? ' (through defaultAccess)' : ''}: every other source is locked out`,
      });
    }
  }

  findings.push(...findDenyShadowedByAllow(config), ...findUnreachableDefaults(config));

  const sessionNames: (string | undefined)[] = [undefined, ...Object.keys(config.sessions)];
  for (const level of TRUST_LEVELS) {
    const trustLayer = Object.hasOwn(config.trustLevels, level) ? config.trustLevels[level as TrustLevel] : undefined;
    for (const name of sessionNames) {
      const session = name === undefined ? undefined : config.sessions[name];
      if (name !== undefined && !session?.sandbox) continue;
      const sandbox = layerSandbox(level, [config.defaults.sandbox, trustLayer?.sandbox, session?.sandbox]);
      for (const loosened of findSandboxLoosening(level, sandbox)) {
        const origin =
          session?.sandbox?.[loosened.field] !== undefined
            ? `sessions.${name}.sandbox.${loosened.field}`
            : trustLayer?.sandbox?.[loosened.field] !== undefined
              ? `trustLevels.${level}.sandbox.${loosened.field}`
              : `defaults.sandbox.${loosened.field}`;
        if (name !== undefined && !origin.startsWith('sessions.')) continue; // reported once, without a session
        findings.push({
          id: 'sandbox-loosened',
          path: origin,
          message: `sandbox ${loosened.field} is ${JSON.stringify(loosened.configured)} for '${level}'${
            name === undefined ? '' : ` in session ${name}`
          }, looser than the built-in ${JSON.stringify(loosened.builtIn)}`,
        });
      }
    }
  }
  return findings;
}
