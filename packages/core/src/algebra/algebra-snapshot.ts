/**
 * Persisting an algebra (`toJSON`) and restoring it (`fromJSON`). A snapshot is untrusted input:
 * every capability is validated field by field, and every invariant the operations maintain is
 * re-checked (sources listed before what derives from them, derived capabilities no wider than
 * their sources, revocation cascaded, delegation depth within the limit). Any failure rejects the
 * whole snapshot with an `InvalidInputError` listing every problem.
 *
 * @module
 */
import { ownDataCopy } from '../own-data.js';
import { parseConstraints } from './algebra-constraints.js';
import { isWithin } from './algebra-derivation.js';
import {
  type IssueList,
  isPlainObject,
  readBoolean,
  readFiniteNumber,
  readOptionalString,
  readOptionalTime,
  readString,
  readStringArray,
  throwIfIssues,
} from './algebra-input.js';
import { type CapabilityLifecycle, CapabilityRecord, capabilityObject, type NewCapability } from './algebra-record.js';
import type {
  AlgebraCapability,
  Attestation,
  CapabilityAlgebraSnapshot,
  CapabilityDerivation,
  CapabilityLifecycleRecord,
} from './algebra-types.js';
import { normalizeActions } from './algebra-wildcards.js';

const FORMAT = 'warden.capability-algebra';
const DERIVATIONS: readonly CapabilityDerivation[] = ['grant', 'restrict', 'delegate', 'compose'];

/** The snapshot of every capability, in creation order. */
export function snapshotOf(records: Iterable<CapabilityRecord>): CapabilityAlgebraSnapshot {
  const capabilities: AlgebraCapability[] = [];
  for (const record of records) capabilities.push(record.view());
  return { format: FORMAT, version: 1, capabilities };
}

/** Validates a snapshot and rebuilds its records, or throws listing every problem. */
export function restoreRecords(given: unknown, maxDelegationDepth: number): CapabilityRecord[] {
  // Read own data only: a field the snapshot lacks must not come from a polluted Object.prototype.
  const snapshot = ownDataCopy(given);
  const issues: IssueList = [];
  if (!isPlainObject(snapshot) || snapshot.format !== FORMAT || snapshot.version !== 1) {
    issues.push({ path: '', message: `must be a ${FORMAT} snapshot, version 1` });
  }
  const list = isPlainObject(snapshot) ? snapshot.capabilities : undefined;
  if (!Array.isArray(list)) issues.push({ path: 'capabilities', message: 'must be an array' });
  throwIfIssues(issues, 'capability algebra snapshot');
  const restored = new Map<string, CapabilityRecord>();
  (list as unknown[]).forEach((value, index) => {
    const path = `capabilities.${index}`;
    const record = readRecord(value, path, issues);
    if (record === undefined) return;
    if (restored.has(record.definition.id)) issues.push({ path: `${path}.id`, message: 'duplicates an earlier id' });
    else checkDerivation(record, restored, path, issues, maxDelegationDepth);
    restored.set(record.definition.id, record);
  });
  throwIfIssues(issues, 'capability algebra snapshot');
  return [...restored.values()];
}

function readRecord(value: unknown, path: string, issues: IssueList): CapabilityRecord | undefined {
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be a capability object' });
    return undefined;
  }
  const before = issues.length;
  const definition = readDefinition(value, path, issues);
  const lifecycle = readLifecycle(value, path, issues);
  // `expire` lowers expiresAt to the expiry's time (or leaves an earlier one): a snapshot recording
  // an expiry on a capability that still runs later (or forever) has had its expiresAt lifted.
  const expiration = lifecycle.expiration;
  if (expiration !== null && (definition.expiresAt === null || definition.expiresAt > expiration.at)) {
    issues.push({
      path: `${path}.expiresAt`,
      message: 'runs past its expiration record (expire sets it no later than its time)',
    });
  }
  if (issues.length !== before) return undefined;
  return new CapabilityRecord(capabilityObject(definition, lifecycle));
}

function readDefinition(value: Record<string, unknown>, path: string, issues: IssueList): NewCapability {
  const derivation = value.derivation as CapabilityDerivation;
  if (!DERIVATIONS.includes(derivation)) issues.push({ path: `${path}.derivation`, message: 'is not a derivation' });
  const depth = value.delegationDepth;
  if (!Number.isSafeInteger(depth) || (depth as number) < 0) {
    issues.push({ path: `${path}.delegationDepth`, message: 'must be a non-negative integer' });
  }
  const parent = value.parentCapabilityId;
  if (parent !== null && typeof parent !== 'string') {
    issues.push({ path: `${path}.parentCapabilityId`, message: 'must be a string or null' });
  }
  return {
    id: readString(value.id, `${path}.id`, issues),
    scope: readString(value.scope, `${path}.scope`, issues),
    resource: readString(value.resource, `${path}.resource`, issues),
    actions: normalizeActions(readStringArray(value.actions, `${path}.actions`, issues)),
    constraints: parseConstraints(value.constraints, `${path}.constraints`, issues),
    grantedBy: readString(value.grantedBy, `${path}.grantedBy`, issues),
    grantedTo: readString(value.grantedTo, `${path}.grantedTo`, issues),
    grantedAt: readFiniteNumber(value.grantedAt, `${path}.grantedAt`, issues),
    expiresAt: readOptionalTime(value.expiresAt, `${path}.expiresAt`, issues),
    delegatable: readBoolean(value.delegatable, `${path}.delegatable`, issues, false),
    parentCapabilityId: (parent ?? null) as string | null,
    derivation,
    derivedFrom: readStringArray(value.derivedFrom, `${path}.derivedFrom`, issues),
    delegationDepth: depth as number,
  };
}

function readLifecycle(value: Record<string, unknown>, path: string, issues: IssueList): CapabilityLifecycle {
  const revocation = readLifecycleRecord(value.revocation, `${path}.revocation`, issues);
  const revoked = readBoolean(value.revoked, `${path}.revoked`, issues, false);
  if (revoked !== (revocation !== null) || value.revokedAt !== (revocation?.at ?? null)) {
    issues.push({ path: `${path}.revoked`, message: 'revoked, revokedAt and revocation disagree' });
  }
  const attestations = value.attestations;
  if (!Array.isArray(attestations)) issues.push({ path: `${path}.attestations`, message: 'must be an array' });
  return {
    revoked,
    revokedAt: revocation?.at ?? null,
    revocation,
    expiration: readLifecycleRecord(value.expiration, `${path}.expiration`, issues),
    attestations: Object.freeze(
      (Array.isArray(attestations) ? attestations : []).map((item, index) =>
        readAttestation(item, `${path}.attestations.${index}`, issues),
      ),
    ),
  };
}

function readLifecycleRecord(value: unknown, path: string, issues: IssueList): CapabilityLifecycleRecord | null {
  if (value === null || value === undefined) return null;
  if (!isPlainObject(value)) {
    issues.push({ path, message: 'must be an object or null' });
    return null;
  }
  return Object.freeze({
    at: readFiniteNumber(value.at, `${path}.at`, issues),
    reason: readOptionalString(value.reason, `${path}.reason`, issues),
    actor: readOptionalString(value.actor, `${path}.actor`, issues),
    cascadedFrom: readOptionalString(value.cascadedFrom, `${path}.cascadedFrom`, issues),
  });
}

function readAttestation(value: unknown, path: string, issues: IssueList): Attestation {
  const input = isPlainObject(value) ? value : {};
  if (!isPlainObject(value)) issues.push({ path, message: 'must be an attestation object' });
  return Object.freeze({
    attesterId: readString(input.attesterId, `${path}.attesterId`, issues),
    claim: readString(input.claim, `${path}.claim`, issues),
    evidence: readOptionalString(input.evidence, `${path}.evidence`, issues),
    signature: readOptionalString(input.signature, `${path}.signature`, issues),
    attestedAt: readFiniteNumber(input.attestedAt, `${path}.attestedAt`, issues),
  });
}

/** Checks that a capability could have been made by the operation its `derivation` names. */
function checkDerivation(
  record: CapabilityRecord,
  earlier: ReadonlyMap<string, CapabilityRecord>,
  path: string,
  issues: IssueList,
  maxDelegationDepth: number,
): void {
  const problem = derivationProblem(record, earlier, maxDelegationDepth);
  if (problem !== undefined) issues.push({ path, message: problem });
}

function derivationProblem(
  record: CapabilityRecord,
  earlier: ReadonlyMap<string, CapabilityRecord>,
  maxDelegationDepth: number,
): string | undefined {
  const { derivation, derivedFrom, parentCapabilityId, delegationDepth, actions } = record.definition;
  if (delegationDepth > maxDelegationDepth) return 'exceeds the maximum delegation depth';
  if (derivation === 'grant') {
    const isRoot = derivedFrom.length === 0 && parentCapabilityId === null && delegationDepth === 0;
    return isRoot && actions.length > 0 ? undefined : 'a grant has no sources, depth 0 and at least one action';
  }
  const sources = derivedFrom.map((id) => earlier.get(id));
  if (sources.some((source) => source === undefined)) return 'derives from a capability not listed before it';
  const known = sources as CapabilityRecord[];
  if (derivation === 'compose') return composeProblem(record, known);
  const [source] = known;
  if (source === undefined || known.length !== 1 || parentCapabilityId !== source.definition.id) {
    return 'a restricted or delegated capability has exactly one source, its parent';
  }
  return narrowingProblem(record, source);
}

function composeProblem(record: CapabilityRecord, sources: readonly CapabilityRecord[]): string | undefined {
  // The count first: a snapshot may list any number of sources, too many to spread into Math.max.
  const [first, second] = sources;
  if (
    sources.length !== 2 ||
    first === undefined ||
    second === undefined ||
    record.definition.parentCapabilityId !== null ||
    record.definition.delegationDepth !== Math.max(first.definition.delegationDepth, second.definition.delegationDepth)
  ) {
    return 'a composition has two sources, no parent and the deeper source depth';
  }
  // compose gives the intersection to the first source's holder, granted by its grantor.
  if (
    record.definition.grantedTo !== first.definition.grantedTo ||
    record.definition.grantedBy !== first.definition.grantedBy
  ) {
    return 'a composition is held by its first source’s holder and granted by its grantor';
  }
  return sources.every((source) => widensNothing(record, source)) ? undefined : 'is wider than a source';
}

function narrowingProblem(record: CapabilityRecord, source: CapabilityRecord): string | undefined {
  const child = record.definition;
  const parent = source.definition;
  if (child.derivation === 'restrict') {
    const sameHolder = child.grantedTo === parent.grantedTo && child.grantedBy === parent.grantedBy;
    if (!sameHolder || child.delegationDepth !== parent.delegationDepth) {
      return 'a restriction keeps its source holder, grantor and depth';
    }
  } else if (!parent.delegatable || child.grantedBy !== parent.grantedTo) {
    return 'a delegation comes from a delegatable capability and is granted by its holder';
  } else if (child.delegationDepth !== parent.delegationDepth + 1) {
    return 'a delegation is one level deeper than its source';
  }
  return widensNothing(record, source) ? undefined : 'is wider than its source, or its source is revoked and it is not';
}

function widensNothing(record: CapabilityRecord, source: CapabilityRecord): boolean {
  return isWithin(record, source) && (source.definition.delegatable || !record.definition.delegatable);
}
