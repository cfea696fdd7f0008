/**
 * The check every injection source passes before policy reads it: a known type and trust level,
 * and only the source's own data fields (never inherited ones, never getters).
 *
 * @module
 */
import { isCapabilityName } from './capabilities.js';
import { InvalidInputError } from './errors.js';
import { type InjectionSource, isInjectionSourceType } from './sources.js';
import { isTrustLevel } from './trust.js';

/**
 * Throws `INVALID_INPUT` for a source that is not an object (an array included), whose type or
 * trust level is unknown, or whose fields policy reads are malformed, inherited or getters: never
 * a grant.
 */
export function assertSource(source: InjectionSource): void {
  readSource(source);
}

/**
 * Checks `source` as {@link assertSource} does and returns what was checked: a frozen copy of the
 * fields policy reads (`type`, `trustLevel`, `identity`, `grantedCapabilities`), each read exactly
 * once. A decision taken on the copy is taken on what was validated, even for a source whose
 * fields would answer a second read differently (a `Proxy`).
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`) as {@link assertSource}.
 */
export function readSource(source: InjectionSource): InjectionSource {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw invalidInput('source must be an injection source', 'source');
  }
  const type = ownField(source, 'type', 'source');
  if (!isInjectionSourceType(type))
    throw invalidInput(`Unknown injection source type ${describe(type)}`, 'source.type');
  const trustLevel = ownField(source, 'trustLevel', 'source');
  if (!isTrustLevel(trustLevel)) throw invalidInput(`Unknown trust level ${describe(trustLevel)}`, 'source.trustLevel');
  const checked: InjectionSource = { type, trustLevel };
  const identity = ownField(source, 'identity', 'source');
  if (identity !== undefined) checked.identity = readIdentity(identity);
  const grants = ownField(source, 'grantedCapabilities', 'source');
  if (grants !== undefined) checked.grantedCapabilities = readGrants(grants);
  return Object.freeze(checked);
}

/**
 * Checks `source` as {@link assertSource} does and returns a frozen own-data copy of every field
 * an injection source has, each read exactly once: `type`, `trustLevel`, `identity` and `grantedCapabilities` as policy reads them, plus `sessionId`
 * and `timestamp` when they are a string and a finite number (left out otherwise). Code that makes
 * several decisions about one source (a gateway checks the sender, describes it, counts it and
 * stores it) takes them all on this copy, so a source that answers later reads differently (a
 * getter, a `Proxy`, an object the caller changes meanwhile) cannot be checked as one sender and
 * filed, counted or delivered as another.
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`) as {@link assertSource}.
 * @example
 * const sender = copySource(untrustedSource); // decide, describe and store `sender` only
 */
export function copySource(source: InjectionSource): InjectionSource {
  return reportedSource(source, readSource(source));
}

/**
 * The source as a security event reports it: `checked` (the frozen, validated copy the decision
 * was taken on) with the caller's own `sessionId` and `timestamp` when they are a string and a
 * finite number. Never the caller's object itself: a sink that writes the event later (an audit
 * log, a console) would otherwise record what a getter, a `Proxy` or a later mutation says then,
 * not who was decided on.
 */
export function reportedSource(source: InjectionSource, checked: InjectionSource): InjectionSource {
  const reported: InjectionSource = { ...checked };
  const sessionId = optionalOwnValue(source, 'sessionId');
  if (typeof sessionId === 'string') reported.sessionId = sessionId;
  const timestamp = optionalOwnValue(source, 'timestamp');
  if (typeof timestamp === 'number' && Number.isFinite(timestamp)) reported.timestamp = timestamp;
  return Object.freeze(reported);
}

/** An own data property's value, read once; `undefined` for a getter, an inherited field or a trap that throws. */
function optionalOwnValue(object: object, name: string): unknown {
  try {
    const descriptor = Reflect.getOwnPropertyDescriptor(object, name);
    return descriptor !== undefined && Object.hasOwn(descriptor, 'value') ? descriptor.value : undefined;
  } catch {
    return undefined;
  }
}

const IDENTITY_FIELDS = ['publicKey', 'userId', 'gatewaySession', 'pluginName'] as const;

function readIdentity(identity: unknown): NonNullable<InjectionSource['identity']> {
  if (typeof identity !== 'object' || identity === null || Array.isArray(identity)) {
    throw invalidInput('must be an object', 'source.identity');
  }
  const checked: Record<string, string> = {};
  for (const name of IDENTITY_FIELDS) {
    const value = ownField(identity, name, 'source.identity');
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalidInput('must be a string', `source.identity.${name}`);
    checked[name] = value;
  }
  return Object.freeze(checked);
}

function readGrants(grants: unknown): readonly string[] {
  const problem = invalidInput('must be a list of capability names', 'source.grantedCapabilities');
  if (!Array.isArray(grants)) throw problem;
  const checked: string[] = [];
  for (let index = 0; index < grants.length; index++) {
    // A hole would be read through the prototype: Object.prototype[0] would become a grant.
    if (!Object.hasOwn(grants, index)) throw problem;
    const grant: unknown = grants[index];
    if (!isCapabilityName(grant)) throw problem;
    checked.push(grant);
  }
  return Object.freeze(checked);
}

/**
 * `object[name]` when it is the object's own data property. Refused when it is inherited (a
 * polluted `Object.prototype`, or a `"__proto__"` member that `Object.assign` made a source's
 * prototype, would hand every source that grant or that identity) or a getter (which may answer
 * the check one thing and policy another). The engine's per-source cache sees such a field
 * appear (the value read no longer matches) and comes back here.
 */
function ownField(object: object, name: string, path: string): unknown {
  const descriptor = Reflect.getOwnPropertyDescriptor(object, name);
  if (descriptor === undefined) {
    if ((object as Record<string, unknown>)[name] !== undefined) {
      throw invalidInput("must be the object's own property, not inherited", `${path}.${name}`);
    }
    return undefined;
  }
  // Object.hasOwn, not `in`: a polluted Object.prototype.value would make every descriptor look like data.
  if (!Object.hasOwn(descriptor, 'value'))
    throw invalidInput('must be a data property, not a getter', `${path}.${name}`);
  return descriptor.value;
}

/** Quotes a string for an error message; names the type of anything else (a BigInt cannot be quoted). */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}

function invalidInput(message: string, path: string): InvalidInputError {
  return new InvalidInputError({ message, issues: [{ path, message }] });
}
