/**
 * The cache of resolved policies, keyed by (source identity, trust level, session) and valid
 * for one (config version, registry version). Two levels: a per-source-object fast path that
 * compares the fields policy reads (no string building on a hit), and a bounded map keyed by
 * an unambiguous string for equal sources passed as different objects.
 *
 * @module
 */
import type { InjectionSource } from '../sources.js';

/** Anything cached for one source in one session, stamped with the versions it was built for. */
export interface Versioned {
  /** The config version the value was built from. */
  readonly configVersion: number;
  /** The registry version the value was built from. */
  readonly registryVersion: number;
}

interface SourceSnapshot<Value> {
  readonly type: string;
  readonly trustLevel: string;
  readonly identity: InjectionSource['identity'];
  readonly publicKey: string | undefined;
  readonly userId: string | undefined;
  readonly gatewaySession: string | undefined;
  readonly pluginName: string | undefined;
  readonly grantsArray: readonly string[] | undefined;
  readonly grants: readonly string[] | undefined;
  readonly sessions: Map<string, Value>;
}

const MAX_SESSIONS_PER_SOURCE = 64;

/** A two-level cache of values per (source, session). */
export class PolicyCache<Value extends Versioned> {
  readonly #bySource = new WeakMap<object, SourceSnapshot<Value>>();
  readonly #byKey = new Map<string, Value>();
  readonly #maxEntries: number;

  /** @param maxEntries string-keyed entries kept before the oldest is dropped. */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /**
   * The fast path: the value cached for this very source object, when none of the fields
   * policy reads changed and the versions match. Never validates: a miss goes to {@link lookup}.
   */
  peek(source: InjectionSource, session: string, configVersion: number, registryVersion: number): Value | undefined {
    const snapshot = this.#bySource.get(source);
    if (snapshot === undefined || !matchesSnapshot(snapshot, source)) return undefined;
    const value = snapshot.sessions.get(session);
    return value !== undefined && value.configVersion === configVersion && value.registryVersion === registryVersion
      ? value
      : undefined;
  }

  /** The slow path, for a source already validated: looks the value up by key, or builds and stores it. */
  lookup(source: InjectionSource, session: string, current: (value: Value) => boolean, build: () => Value): Value {
    const key = cacheKey(source, session);
    let value = this.#byKey.get(key);
    if (value === undefined || !current(value)) {
      value = build();
      if (this.#byKey.size >= this.#maxEntries) this.#byKey.delete(this.#byKey.keys().next().value as string);
      this.#byKey.set(key, value);
    }
    this.#remember(source, session, value);
    return value;
  }

  /** Drops every string-keyed entry; per-object entries go stale through their versions. */
  clear(): void {
    this.#byKey.clear();
  }

  #remember(source: InjectionSource, session: string, value: Value): void {
    let snapshot = this.#bySource.get(source);
    if (snapshot === undefined || !matchesSnapshot(snapshot, source)) {
      snapshot = takeSnapshot(source);
      this.#bySource.set(source, snapshot);
    }
    if (snapshot.sessions.size >= MAX_SESSIONS_PER_SOURCE) snapshot.sessions.clear();
    snapshot.sessions.set(session, value);
  }
}

function takeSnapshot<Value>(source: InjectionSource): SourceSnapshot<Value> {
  const identity = source.identity;
  return {
    type: source.type,
    trustLevel: source.trustLevel,
    identity,
    publicKey: identity?.publicKey,
    userId: identity?.userId,
    gatewaySession: identity?.gatewaySession,
    pluginName: identity?.pluginName,
    grantsArray: source.grantedCapabilities,
    grants: source.grantedCapabilities ? [...source.grantedCapabilities] : undefined,
    sessions: new Map(),
  };
}

function matchesSnapshot<Value>(snapshot: SourceSnapshot<Value>, source: InjectionSource): boolean {
  const identity = source.identity;
  if (
    snapshot.type !== source.type ||
    snapshot.trustLevel !== source.trustLevel ||
    snapshot.identity !== identity ||
    snapshot.grantsArray !== source.grantedCapabilities
  ) {
    return false;
  }
  if (
    identity !== undefined &&
    (snapshot.publicKey !== identity.publicKey ||
      snapshot.userId !== identity.userId ||
      snapshot.gatewaySession !== identity.gatewaySession ||
      snapshot.pluginName !== identity.pluginName)
  ) {
    return false;
  }
  const grants = source.grantedCapabilities;
  if (grants === undefined) return true;
  // The same array may have been changed in place since it was seen.
  const seen = snapshot.grants as readonly string[];
  return grants.length === seen.length && grants.every((grant, index) => grant === seen[index]);
}

/**
 * The string key: every field of the source that policy reads, each length-prefixed so that no
 * choice of identity values can collide with another source's key.
 */
function cacheKey(source: InjectionSource, session: string): string {
  const identity = source.identity;
  return (
    `${source.type}|${source.trustLevel}|${field(identity?.publicKey)}${field(identity?.userId)}` +
    `${field(identity?.gatewaySession)}${field(identity?.pluginName)}` +
    `${source.grantedCapabilities ? source.grantedCapabilities.map(field).join('') : '-'}|${field(session)}`
  );
}

function field(value: string | undefined): string {
  return value === undefined ? '-' : `${value.length}:${value}`;
}
