/**
 * The set algebra over capability definitions: narrowing (restrict, delegate), intersection
 * (compose) and containment (isSubset). Every function here only ever narrows, so a derived
 * capability can never allow what its sources do not.
 *
 * @module
 */
import { canonicalJson } from '../payload-digest.js';
import type { CapabilityRecord, NewCapability } from './algebra-record.js';
import type { CapabilityConstraint, CapabilityDerivation } from './algebra-types.js';
import type { ParsedRestrictions } from './algebra-validation.js';
import { actionsWithin, intersectActions, intersectResources, resourceCovers } from './algebra-wildcards.js';

/** Who receives a derived capability, and the bookkeeping fields the algebra assigns. */
export interface DerivationTarget {
  /** The new capability's id. */
  readonly id: string;
  /** Creation time. */
  readonly grantedAt: number;
  /** `restrict` or `delegate`. */
  readonly derivation: Extract<CapabilityDerivation, 'restrict' | 'delegate'>;
  /** The grantor recorded on the new capability. */
  readonly grantedBy: string;
  /** The new holder. */
  readonly grantedTo: string;
  /** Its delegation depth. */
  readonly delegationDepth: number;
}

/** The definition of a capability restricted or delegated from `source`. */
export function narrowedDefinition(
  source: CapabilityRecord,
  restrictions: ParsedRestrictions,
  target: DerivationTarget,
): NewCapability {
  const parent = source.definition;
  return {
    id: target.id,
    scope: parent.scope,
    resource: parent.resource,
    actions:
      restrictions.actions === undefined ? parent.actions : intersectActions(parent.actions, restrictions.actions),
    constraints: mergeConstraints(parent.constraints, restrictions.constraints),
    grantedBy: target.grantedBy,
    grantedTo: target.grantedTo,
    grantedAt: target.grantedAt,
    expiresAt: earliest(source.expiresAt, restrictions.expiresAt ?? Number.POSITIVE_INFINITY),
    delegatable: parent.delegatable && restrictions.delegatable,
    parentCapabilityId: parent.id,
    derivation: target.derivation,
    derivedFrom: Object.freeze([parent.id]),
    delegationDepth: target.delegationDepth,
  };
}

/**
 * The intersection of two capabilities, held by `left`'s holder: actions intersect, constraints
 * unite, the earlier expiry wins, delegatable only if both are. `undefined` when the two cover
 * different scopes or different concrete resources (nothing to intersect).
 */
export function composedDefinition(
  left: CapabilityRecord,
  right: CapabilityRecord,
  id: string,
  grantedAt: number,
): NewCapability | undefined {
  const first = left.definition;
  const second = right.definition;
  const resource = intersectResources(first.resource, second.resource);
  if (first.scope !== second.scope || resource === undefined) return undefined;
  return {
    id,
    scope: first.scope,
    resource,
    actions: intersectActions(first.actions, second.actions),
    constraints: mergeConstraints(first.constraints, second.constraints),
    grantedBy: first.grantedBy,
    grantedTo: first.grantedTo,
    grantedAt,
    expiresAt: earliest(left.expiresAt, right.expiresAt),
    delegatable: first.delegatable && second.delegatable,
    parentCapabilityId: null,
    derivation: 'compose',
    derivedFrom: Object.freeze([first.id, second.id]),
    delegationDepth: Math.max(first.delegationDepth, second.delegationDepth),
  };
}

/**
 * True when every request `inner` allows, `outer` allows too, whichever agents hold them: same
 * scope, resource and actions covered (with `'*'` as in `check`), every constraint of `outer`
 * also on `inner`, and `inner` ending no later than `outer`. A revoked `outer` contains only
 * revoked capabilities, and one that `expire` ended for good only capabilities that allow nothing
 * either (whatever the clock says later). Conservative: `false` may also mean "not provably
 * contained".
 */
export function isWithin(inner: CapabilityRecord, outer: CapabilityRecord): boolean {
  const small = inner.definition;
  const large = outer.definition;
  if (outer.revoked && !inner.revoked) return false;
  if (outer.expiredForGood && !inner.expiredForGood && !inner.revoked) return false;
  return (
    small.scope === large.scope &&
    resourceCovers(large.resource, small.resource) &&
    actionsWithin(small.actions, large.actions) &&
    inner.expiresAt <= outer.expiresAt &&
    constraintsIncluded(large.constraints, small.constraints)
  );
}

/** The union of two constraint lists, without duplicates, frozen. */
function mergeConstraints(
  first: readonly CapabilityConstraint[],
  second: readonly CapabilityConstraint[],
): readonly CapabilityConstraint[] {
  if (second.length === 0) return first;
  const seen = new Set(first.map(canonicalJson));
  const merged = [...first];
  for (const constraint of second) {
    const key = canonicalJson(constraint);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(constraint);
  }
  return Object.freeze(merged);
}

function constraintsIncluded(
  required: readonly CapabilityConstraint[],
  present: readonly CapabilityConstraint[],
): boolean {
  if (required.length === 0) return true;
  const keys = new Set(present.map(canonicalJson));
  return required.every((constraint) => keys.has(canonicalJson(constraint)));
}

function earliest(first: number, second: number): number | null {
  const expiry = Math.min(first, second);
  return Number.isFinite(expiry) ? expiry : null;
}
