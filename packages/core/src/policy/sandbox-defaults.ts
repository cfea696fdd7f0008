/**
 * Built-in sandbox settings by trust level, layering of sandbox settings, and detection of
 * configuration that loosens the built-in ones (reported as a warning event).
 *
 * @module
 */
import type { NetworkPolicy } from '../ports/sandbox.js';
import type { TrustLevel } from '../trust.js';
import type { SandboxConfig } from './config-schema.js';

/**
 * Built-in sandbox settings: owner and trusted run unsandboxed unless configured; semi-trusted
 * and untrusted run in a sandbox without network and with tight limits.
 */
export const DEFAULT_SANDBOX_BY_TRUST: Readonly<Record<TrustLevel, Readonly<SandboxConfig>>> = Object.freeze({
  owner: Object.freeze({ enabled: false }),
  trusted: Object.freeze({ enabled: false }),
  'semi-trusted': Object.freeze({
    enabled: true,
    networkPolicy: 'none',
    maxMemoryMb: 512,
    maxCpuPercent: 50,
    maxPids: 100,
    timeoutMs: 300_000,
  }),
  untrusted: Object.freeze({
    enabled: true,
    networkPolicy: 'none',
    maxMemoryMb: 256,
    maxCpuPercent: 25,
    maxPids: 50,
    timeoutMs: 60_000,
  }),
});

/** One way a configured sandbox is looser than the built-in one for its trust level. */
export interface SandboxLoosening {
  /** The field that was loosened. */
  field: keyof SandboxConfig;
  /** The built-in value. */
  builtIn: unknown;
  /** The configured value. */
  configured: unknown;
}

/**
 * Applies sandbox layers in order over the built-in settings for `trustLevel`. The result has a
 * `null` prototype, so a field no layer set reads as `undefined` even under a polluted
 * `Object.prototype`.
 */
export function layerSandbox(
  trustLevel: TrustLevel,
  layers: readonly (Partial<SandboxConfig> | undefined)[],
): SandboxConfig {
  // Null prototype: a field no layer set (writablePaths, say) must not read as a value some
  // other library put on Object.prototype, wherever the resolved sandbox is read.
  const sandbox: SandboxConfig = Object.assign(Object.create(null), DEFAULT_SANDBOX_BY_TRUST[trustLevel]);
  for (const layer of layers) {
    if (!layer) continue;
    for (const [field, value] of Object.entries(layer)) {
      if (value !== undefined) (sandbox as unknown as Record<string, unknown>)[field] = value;
    }
  }
  return sandbox;
}

const NETWORK_OPENNESS: Readonly<Record<NetworkPolicy, number>> = { none: 0, 'egress-only': 1, full: 2 };
const NUMERIC_LIMITS = ['maxMemoryMb', 'maxCpuPercent', 'maxPids', 'timeoutMs'] as const;

/**
 * Lists where `sandbox` is looser than the built-in settings for `trustLevel`: sandboxing
 * turned off, a more open network, a higher limit, or host paths mounted in. Owner and trusted have no built-in
 * sandbox, so nothing configured for them counts as loosening.
 */
export function findSandboxLoosening(trustLevel: TrustLevel, sandbox: SandboxConfig): SandboxLoosening[] {
  const builtIn = DEFAULT_SANDBOX_BY_TRUST[trustLevel];
  if (!builtIn.enabled) return [];
  const loosened: SandboxLoosening[] = [];
  if (!sandbox.enabled) loosened.push({ field: 'enabled', builtIn: true, configured: false });
  const builtInNetwork = builtIn.networkPolicy ?? 'none';
  const network = sandbox.networkPolicy ?? builtInNetwork;
  if (NETWORK_OPENNESS[network] > NETWORK_OPENNESS[builtInNetwork]) {
    loosened.push({ field: 'networkPolicy', builtIn: builtInNetwork, configured: network });
  }
  for (const field of NUMERIC_LIMITS) {
    const limit = builtIn[field];
    const configured = sandbox[field];
    if (limit !== undefined && configured !== undefined && configured > limit) {
      loosened.push({ field, builtIn: limit, configured });
    }
  }
  for (const field of ['allowedPaths', 'writablePaths'] as const) {
    const paths = sandbox[field];
    if (paths && paths.length > 0) loosened.push({ field, builtIn: builtIn[field] ?? [], configured: paths });
  }
  return loosened;
}
