/**
 * `warden policy diff`: what a configuration change grants and removes, per source type, trust
 * level and session.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import {
  type CapabilityRegistry,
  createInjectionSource,
  createSecurityEngine,
  getDefaultCapabilityRegistry,
  INJECTION_SOURCE_TYPES,
  type SecurityConfig,
  type SecurityEngine,
  escapeTerminalText as safe,
  TRUST_LEVELS,
} from '@warden/core';
import { isGlob } from '@warden/core/policy';
import { type CliIo, EXIT, loadConfig, UsageError } from '../io.js';

/** The session name standing for every session neither configuration names. */
export const OTHER_SESSION = '(any other session)';
const OTHER_SESSION_PROBE = 'warden-cli-unconfigured-session';

/** One change: a source type and trust level in a session gains or loses something. */
export interface PolicyChange {
  /** Source type. */
  sourceType: string;
  /** Trust level. */
  trustLevel: string;
  /** Session name, or {@link OTHER_SESSION}. */
  session: string;
  /** What changed: access to the session, a tool, or a capability. */
  kind: 'session-access' | 'tool' | 'capability';
  /** The tool or capability name (the session name for `session-access`). */
  name: string;
  /** `granted` when the new configuration allows what the old one denied. */
  change: 'granted' | 'removed';
}

/** The help text of `warden policy diff`. */
export const DIFF_HELP = `Usage: warden policy diff <old> <new> [--json]

For each source type and trust level, in each session either configuration names (and in any
other session), lists the session access, tools and capabilities the change grants (+) or removes (-).
Tools: every tool in the tool map and every tool either configuration names. Decisions are the
engine's own checks, enforcement included.

Options:
  --json        print { changes: [{ sourceType, trustLevel, session, kind, name, change }] }
  -h, --help    show this help

Exit codes: 0 no difference, 1 differences, 2 usage or input error, 70 internal failure.`;

/** Runs `warden policy diff`; returns the exit code. */
export function runDiff(argv: readonly string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(DIFF_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) throw new UsageError('policy diff takes two files: <old> <new>');
  const changes = diffConfigs(loadConfig(positionals[0] as string), loadConfig(positionals[1] as string));
  if (values.json) {
    io.out(JSON.stringify({ changes }, null, 2));
  } else if (changes.length === 0) {
    io.out('no difference in session access, tools or capabilities');
  } else {
    let heading = '';
    for (const change of changes) {
      const next = `${change.sourceType} (${change.trustLevel}) in ${safe(change.session)}:`;
      if (next !== heading) {
        io.out(next);
        heading = next;
      }
      io.out(`  ${change.change === 'granted' ? '+' : '-'} ${change.kind} ${safe(change.name)}`);
    }
  }
  return changes.length === 0 ? EXIT.ok : EXIT.findings;
}

/** Every grant and removal between two valid configurations. */
export function diffConfigs(
  before: SecurityConfig,
  after: SecurityConfig,
  registry: CapabilityRegistry = getDefaultCapabilityRegistry(),
): PolicyChange[] {
  const old = createSecurityEngine({ config: before, registry });
  const next = createSecurityEngine({ config: after, registry });
  const sessions = [...new Set([...Object.keys(before.sessions), ...Object.keys(after.sessions)])];
  const tools = new Set<string>(registry.toolMappings().keys());
  const capabilities = new Set<string>(registry.list());
  for (const config of [before, after]) {
    for (const tool of Object.keys(config.toolCapabilities)) tools.add(tool);
    for (const layer of [config.defaults, ...Object.values(config.trustLevels), ...Object.values(config.sessions)]) {
      for (const tool of [...(layer?.tools?.allow ?? []), ...(layer?.tools?.deny ?? [])])
        if (!isGlob(tool)) tools.add(tool);
      for (const capability of [...(layer?.capabilities ?? []), ...(layer?.denyCapabilities ?? [])]) {
        if (!capability.includes('*')) capabilities.add(capability);
      }
    }
  }
  const changes: PolicyChange[] = [];
  for (const sourceType of INJECTION_SOURCE_TYPES) {
    for (const trustLevel of TRUST_LEVELS) {
      const source = createInjectionSource(sourceType, { trustLevel });
      for (const session of [...sessions, OTHER_SESSION]) {
        const probe = session === OTHER_SESSION ? OTHER_SESSION_PROBE : session;
        const push = (kind: PolicyChange['kind'], name: string, check: (engine: SecurityEngine) => boolean) => {
          const was = check(old);
          const is = check(next);
          if (was !== is)
            changes.push({ sourceType, trustLevel, session, kind, name, change: is ? 'granted' : 'removed' });
        };
        push('session-access', session, (engine) => engine.checkSessionAccess(source, probe).allowed);
        for (const tool of tools) push('tool', tool, (engine) => engine.checkToolAccess(source, probe, tool).allowed);
        for (const capability of capabilities) {
          push('capability', capability, (engine) => engine.checkCapability(source, probe, capability).allowed);
        }
      }
    }
  }
  return changes;
}
