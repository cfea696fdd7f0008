/**
 * Injection sources: where a request to an agent session comes from, and how far it is trusted.
 *
 * @module
 */
import { InvalidInputError } from './errors.js';
import { assertTrustLevel, type TrustLevel } from './trust.js';
import { ownProperty } from './validation.js';

/** The kinds of places a request can come from. */
export type InjectionSourceType =
  | 'cli'
  | 'daemon'
  | 'p2p'
  | 'p2p-discovery'
  | 'plugin'
  | 'cron'
  | 'api'
  | 'gateway'
  | 'internal';

/** Who is asking, and how far they are trusted. */
export interface InjectionSource {
  /** Where the request comes from. */
  type: InjectionSourceType;
  /** How far it is trusted. */
  trustLevel: TrustLevel;
  /** What identifies the sender, depending on the type. */
  identity?: {
    /** A P2P peer's public key. */
    publicKey?: string;
    /** An API user or key id (never the key itself). */
    userId?: string;
    /** The gateway session a forwarded request came through. */
    gatewaySession?: string;
    /** The plugin that injected the request. */
    pluginName?: string;
  };
  /**
   * Capabilities granted to this source itself (for example by a verified access grant); the
   * last policy layer, added to what the configuration grants and still subject to its deny lists.
   */
  grantedCapabilities?: readonly string[];
  /** The sending session, when the source is another session. */
  sessionId?: string;
  /** When the source was created (epoch ms). */
  timestamp?: number;
}

/**
 * Default trust per source type: local operators own the host, plugins, API clients and
 * gateways are semi-trusted, peers are untrusted until configured otherwise.
 */
export const DEFAULT_SOURCE_TRUST: Readonly<Record<InjectionSourceType, TrustLevel>> = Object.freeze({
  cli: 'owner',
  daemon: 'owner',
  internal: 'owner',
  cron: 'trusted',
  plugin: 'semi-trusted',
  api: 'semi-trusted',
  gateway: 'semi-trusted',
  p2p: 'untrusted',
  'p2p-discovery': 'untrusted',
});

/** Every source type. */
export const INJECTION_SOURCE_TYPES: readonly InjectionSourceType[] = Object.freeze(
  Object.keys(DEFAULT_SOURCE_TRUST) as InjectionSourceType[],
);

/** True when `value` is a known source type. */
export function isInjectionSourceType(value: unknown): value is InjectionSourceType {
  return typeof value === 'string' && Object.hasOwn(DEFAULT_SOURCE_TRUST, value);
}

/**
 * Creates an injection source with the default trust for its type; `overrides` may set any
 * field, including a different trust level.
 *
 * @throws {@link InvalidInputError} for an unknown source type or trust level.
 * @example
 * createInjectionSource('cli'); // { type: 'cli', trustLevel: 'owner', timestamp: … }
 * createInjectionSource('p2p', { trustLevel: 'trusted', identity: { publicKey: 'MCow…' } });
 */
export function createInjectionSource(
  type: InjectionSourceType,
  overrides: Partial<InjectionSource> = {},
): InjectionSource {
  if (!isInjectionSourceType(type)) {
    throw new InvalidInputError({
      message: `Unknown injection source type ${JSON.stringify(type)}`,
      issues: [{ path: 'type', message: 'unknown source type' }],
    });
  }
  const trustLevel = assertTrustLevel(ownOverride(overrides, 'trustLevel') ?? DEFAULT_SOURCE_TRUST[type], 'trustLevel');
  const source: InjectionSource = {
    ...overrides,
    type,
    trustLevel,
    timestamp: ownOverride(overrides, 'timestamp') ?? Date.now(),
  };
  const identity = ownOverride(overrides, 'identity');
  if (identity) source.identity = { ...identity };
  return source;
}

/**
 * An override the caller set, never one inherited: with `Object.prototype.trustLevel` polluted,
 * `{}.trustLevel` is `"owner"`, and every peer source made without overrides would be an owner.
 */
function ownOverride<Name extends keyof InjectionSource>(
  overrides: Partial<InjectionSource>,
  name: Name,
): InjectionSource[Name] | undefined {
  return ownProperty(overrides, name) as InjectionSource[Name] | undefined;
}
