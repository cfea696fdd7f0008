/**
 * The check every injection source passes before policy reads it: a known type and trust level,
 * and only the source's own fields (never inherited ones).
 *
 * @module
 */
import { isCapabilityName } from './capabilities.js';
import { InvalidInputError } from './errors.js';
import { type InjectionSource, isInjectionSourceType } from './sources.js';
import { isTrustLevel } from './trust.js';

/**
 * Throws `INVALID_INPUT` for a source whose type or trust level is unknown, or whose fields policy
 * reads are malformed or inherited: never a grant.
 */
export function assertSource(source: InjectionSource): void {
  if (typeof source !== 'object' || source === null) {
    throw invalidInput('source must be an injection source', 'source');
  }
  if (!isInjectionSourceType(ownField(source, 'type', 'source'))) {
    throw invalidInput(`Unknown injection source type ${JSON.stringify(source.type)}`, 'source.type');
  }
  if (!isTrustLevel(ownField(source, 'trustLevel', 'source'))) {
    throw invalidInput(`Unknown trust level ${JSON.stringify(source.trustLevel)}`, 'source.trustLevel');
  }
  const identity = ownField(source, 'identity', 'source');
  if (identity !== undefined) {
    if (typeof identity !== 'object' || identity === null) throw invalidInput('must be an object', 'source.identity');
    for (const name of IDENTITY_FIELDS) {
      const value = ownField(identity, name, 'source.identity');
      if (value !== undefined && typeof value !== 'string')
        throw invalidInput('must be a string', `source.identity.${name}`);
    }
  }
  const grants = ownField(source, 'grantedCapabilities', 'source');
  if (grants !== undefined && (!Array.isArray(grants) || !grants.every(isCapabilityName))) {
    throw invalidInput('must be a list of capability names', 'source.grantedCapabilities');
  }
}

/**
 * `object[name]`, refused when it is inherited rather than the object's own. Policy reads these
 * fields with plain property access, so one on a prototype (a polluted `Object.prototype`, or a
 * `"__proto__"` member that `Object.assign` made a source's prototype) would hand every source
 * that grant or that identity. The engine's per-source cache sees such a field appear (the value
 * read no longer matches) and comes back here.
 */
function ownField<Value extends object, Name extends keyof Value & string>(
  object: Value,
  name: Name,
  path: string,
): Value[Name] {
  const value = object[name];
  if (value !== undefined && !Object.hasOwn(object, name)) {
    throw invalidInput("must be the object's own property, not inherited", `${path}.${name}`);
  }
  return value;
}

const IDENTITY_FIELDS = ['publicKey', 'userId', 'gatewaySession', 'pluginName'] as const;

function invalidInput(message: string, path: string): InvalidInputError {
  return new InvalidInputError({ message, issues: [{ path, message }] });
}
