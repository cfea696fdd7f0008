/**
 * Lint rules about reach: deny entries an allow list already makes pointless (the reverse of
 * `allow-shadowed-by-deny`), and `defaults` settings that every trust level replaces.
 *
 * Layering (core's `compilePolicy`): the allow list, `capabilities`, and each sandbox and rate
 * limit field come from the most specific layer that sets them (session, then trust level, then
 * defaults); deny lists add up across the layers that apply.
 *
 * @module
 */
import { type SecurityConfig, type SecurityPolicy, TRUST_LEVELS, type TrustLevel } from '@warden/core';
import { compileGlobList, isGlob } from '@warden/core/policy';

/** A finding of these rules (the id is one of lint's rule ids). */
export interface ReachFinding {
  id: 'deny-shadowed-by-allow' | 'rule-unreachable';
  path: string;
  message: string;
}

interface Combination {
  trustLevel: TrustLevel;
  /** A named session, or `undefined` for every session the configuration does not name. */
  session: string | undefined;
}

function trustLayer(config: SecurityConfig, level: TrustLevel): SecurityPolicy | undefined {
  return Object.hasOwn(config.trustLevels, level) ? config.trustLevels[level] : undefined;
}

/** The allow list in effect for a combination and where it comes from, or `undefined` when none restricts. */
function allowInEffect(config: SecurityConfig, combination: Combination): { list: string[]; path: string } | undefined {
  const { trustLevel, session } = combination;
  const sessionAllow = session === undefined ? undefined : config.sessions[session]?.tools?.allow;
  if (sessionAllow) return { list: sessionAllow, path: `sessions.${session}.tools.allow` };
  const trustAllow = trustLayer(config, trustLevel)?.tools?.allow;
  if (trustAllow) return { list: trustAllow, path: `trustLevels.${trustLevel}.tools.allow` };
  const defaultAllow = config.defaults.tools?.allow;
  return defaultAllow ? { list: defaultAllow, path: 'defaults.tools.allow' } : undefined;
}

/**
 * True when `allow` lets through nothing `denyEntry` denies. A glob deny entry is judged only
 * against literal allow entries (two globs may overlap in ways this rule does not prove), so the
 * rule never reports a deny entry that could still decide.
 */
function allowExcludes(allow: readonly string[], denyEntry: string): boolean {
  if (!isGlob(denyEntry)) return !compileGlobList(allow).matches(denyEntry);
  const deny = compileGlobList([denyEntry]);
  return allow.every((entry) => !isGlob(entry) && !deny.matches(entry));
}

function combinationsOf(config: SecurityConfig, path: string): Combination[] {
  const sessions: (string | undefined)[] = [undefined, ...Object.keys(config.sessions)];
  const all = TRUST_LEVELS.flatMap((trustLevel) => sessions.map((session) => ({ trustLevel, session })));
  const [kind, name] = path.split('.', 2);
  if (kind === 'trustLevels') return all.filter((combination) => combination.trustLevel === name);
  if (kind === 'sessions') return all.filter((combination) => combination.session === name);
  return all;
}

/** `deny-shadowed-by-allow`: deny entries that never decide, because every allow list in effect where they apply already excludes what they deny. */
export function findDenyShadowedByAllow(config: SecurityConfig): ReachFinding[] {
  const layers: [string, SecurityPolicy | undefined][] = [
    ['defaults', config.defaults],
    ...TRUST_LEVELS.map((level): [string, SecurityPolicy | undefined] => [
      `trustLevels.${level}`,
      trustLayer(config, level),
    ]),
    ...Object.entries(config.sessions).map(([name, session]): [string, SecurityPolicy | undefined] => [
      `sessions.${name}`,
      session,
    ]),
  ];
  const findings: ReachFinding[] = [];
  for (const [path, layer] of layers) {
    const combinations = combinationsOf(config, path);
    (layer?.tools?.deny ?? []).forEach((entry, index) => {
      const allows = combinations.map((combination) => allowInEffect(config, combination));
      if (!allows.every((allow) => allow !== undefined && allowExcludes(allow.list, entry))) return;
      const sources = [...new Set(allows.map((allow) => allow?.path))].join(', ');
      findings.push({
        id: 'deny-shadowed-by-allow',
        path: `${path}.tools.deny.${index}`,
        message: `deny entry ${JSON.stringify(entry)} never decides: wherever it applies, the allow list in effect (${sources}) already excludes every tool it denies`,
      });
    });
  }
  return findings;
}

/** The `defaults` settings a trust level replaces when it sets its own (the most specific layer wins). */
const REPLACED_FIELDS: readonly { path: string; read: (layer: SecurityPolicy | undefined) => unknown }[] = [
  { path: 'capabilities', read: (layer) => layer?.capabilities },
  { path: 'tools.allow', read: (layer) => layer?.tools?.allow },
  ...(
    [
      'enabled',
      'networkPolicy',
      'maxMemoryMb',
      'maxCpuPercent',
      'maxPids',
      'timeoutMs',
      'allowedPaths',
      'writablePaths',
    ] as const
  ).map((field) => ({
    path: `sandbox.${field}`,
    read: (layer: SecurityPolicy | undefined) => (layer?.sandbox as Record<string, unknown> | undefined)?.[field],
  })),
  ...(['perMinute', 'perHour'] as const).map((field) => ({
    path: `rateLimit.${field}`,
    read: (layer: SecurityPolicy | undefined) => layer?.rateLimit?.[field],
  })),
];

/**
 * `rule-unreachable`: a `defaults` setting that applies to no source, because every trust level
 * sets its own. (A trust level's setting is always reachable: a session the configuration does
 * not name has no session layer.)
 */
export function findUnreachableDefaults(config: SecurityConfig): ReachFinding[] {
  const findings: ReachFinding[] = [];
  for (const field of REPLACED_FIELDS) {
    if (field.read(config.defaults) === undefined) continue;
    if (!TRUST_LEVELS.every((level) => field.read(trustLayer(config, level)) !== undefined)) continue;
    findings.push({
      id: 'rule-unreachable',
      path: `defaults.${field.path}`,
      message: `defaults.${field.path} never applies: every trust level (${TRUST_LEVELS.join(', ')}) sets its own ${field.path}`,
    });
  }
  return findings;
}
