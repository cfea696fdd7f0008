/**
 * The cache of resolved policies, keyed by (source identity, trust level, session) and valid
 * for one (config version, registry version). Two levels: a per-source-object fast path that
 * compares the fields policy reads with the validated copy last seen for that object (no string
 * building on a hit), and a bounded map keyed by an unambiguous string for equal sources passed
 * as different objects. Everything stored is built from, and keyed by, a validated own-data copy
 * of the source (`readSource`); the caller's object is only a `WeakMap` key and is read once per
 * field on the fast path, so a source that answers a later read differently (a getter, a `Proxy`)
 * can only miss, never reach a value built for other answers.
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

/** The fields policy reads, as validated, and the values cached for them per session. */
interface SourceSnapshot<Value> {
  readonly type: string;
  readonly trustLevel: string;
  readonly hasIdentity: boolean;
  readonly publicKey: string | undefined;
  readonly userId: string | undefined;
  readonly gatewaySession: string | undefined;
  readonly pluginName: string | undefined;
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
   * The fast path: the value cached for this very source object, when each field policy reads,
   * read once now, equals the validated copy the value was built from, and the versions match.
   * Never validates: a miss goes to {@link lookup}.
   */
  peek(source: InjectionSource, session: string, configVersion: number, registryVersion: number): Value | undefined {
    const snapshot = this.#bySource.get(source);
    if (snapshot === undefined || !matchesSnapshot(snapshot, source)) return undefined;
    const value = snapshot.sessions.get(session);
    return value !== undefined && value.configVersion === configVersion && value.registryVersion === registryVersion
      ? value
      : undefined;
  }

  /**
   * The slow path: looks the value up by the key of `checked` (the validated own-data copy of
   * `source`), or builds and stores it, and remembers it for the object `source` under what
   * `checked` holds. `source` itself is never read here.
   */
  lookup(
    source: object,
    checked: InjectionSource,
    session: string,
    current: (value: Value) => boolean,
    build: () => Value,
  ): Value {
    const key = cacheKey(checked, session);
    let value = this.#byKey.get(key);
    if (value === undefined || !current(value)) {
      value = build();
      if (this.#byKey.size >= this.#maxEntries) this.#byKey.delete(this.#byKey.keys().next().value as string);
      this.#byKey.set(key, value);
    }
    this.#remember(source, checked, session, value);
    return value;
  }

  /** Drops every string-keyed entry; per-object entries go stale through their versions. */
  clear(): void {
    this.#byKey.clear();
  }

  #remember(source: object, checked: InjectionSource, session: string, value: Value): void {
    let snapshot = this.#bySource.get(source);
    if (snapshot === undefined || !matchesSnapshot(snapshot, checked)) {
      snapshot = takeSnapshot(checked);
      this.#bySource.set(source, snapshot);
    }
    if (snapshot.sessions.size >= MAX_SESSIONS_PER_SOURCE) snapshot.sessions.clear();
    snapshot.sessions.set(session, value);
  }
}

/** What `checked` (a validated, frozen copy) holds, to compare later reads of its object with. */
function takeSnapshot<Value>(checked: InjectionSource): SourceSnapshot<Value> {
  const identity = checked.identity;
  return {
    type: checked.type,
    trustLevel: checked.trustLevel,
    hasIdentity: identity !== undefined,
    publicKey: identity?.publicKey,
    userId: identity?.userId,
    gatewaySession: identity?.gatewaySession,
    pluginName: identity?.pluginName,
    grants: checked.grantedCapabilities,
    sessions: new Map(),
  };
}

/**
 * True when `source` reads as the snapshot: each field is read once and compared by value (the
 * snapshot holds copies, not the caller's objects), so a field that answers differently from what
 * was validated makes a miss, and a hit is decided on what was validated.
 */
function matchesSnapshot<Value>(snapshot: SourceSnapshot<Value>, source: InjectionSource): boolean {
  if (snapshot.type !== source.type || snapshot.trustLevel !== source.trustLevel) return false;
  const identity = source.identity;
  if (identity === undefined) {
    if (snapshot.hasIdentity) return false;
  } else if (
    // Anything but an object (null, a string) was refused when validated: a miss, so it is again.
    typeof identity !== 'object' ||
    identity === null ||
    !snapshot.hasIdentity ||
    snapshot.publicKey !== identity.publicKey ||
    snapshot.userId !== identity.userId ||
    snapshot.gatewaySession !== identity.gatewaySession ||
    snapshot.pluginName !== identity.pluginName
  ) {
    return false;
  }
  const grants = source.grantedCapabilities;
  const seen = snapshot.grants;
  if (grants === undefined || seen === undefined) return grants === seen;
  if (!Array.isArray(grants)) return false;
  // Read the length once: a Proxy could answer a second read differently.
  const length = grants.length;
  if (length !== seen.length) return false;
  for (let index = 0; index < length; index++) if (grants[index] !== seen[index]) return false;
  return true;
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
