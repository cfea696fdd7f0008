/**
 * Where the algebra keeps its capabilities: by id, by agent → scope → resource for checks, and by
 * source for cascading revocation and expiry.
 *
 * A check does three `Map` lookups and scans the few capabilities of one agent on one scope and
 * resource. Capabilities on the `'*'` resource are listed in every resource bucket of their
 * agent and scope (and in the scope's wildcard list, used for resources with no bucket), so a
 * check scans exactly one list. Nothing on the check path allocates: results are cached frozen
 * objects.
 *
 * @module
 */
import type { Clock } from '../clock.js';
import { ALLOWED, allowedResult, DENIED_NO_CAPABILITIES, DENIED_NO_MATCH, deniedResult } from './algebra-outcomes.js';
import type { CapabilityRecord } from './algebra-record.js';
import type { AlgebraCheckResult, CapabilityCheckContext } from './algebra-types.js';
import { WILDCARD } from './algebra-wildcards.js';

/** A dictionary object without a prototype: V8 looks string keys up in these faster than in a `Map`. */
type Dictionary<Value> = Record<string, Value | undefined>;

function dictionary<Value>(): Dictionary<Value> {
  return Object.create(null) as Dictionary<Value>;
}

/** The capabilities one check scans, with cached results for requests several of them allow. */
class CandidateList {
  /** The capabilities, in the order they were added. */
  readonly records: CapabilityRecord[];
  private combined: Map<number, AlgebraCheckResult> | undefined = undefined;
  private combinedGeneration = -1;

  constructor(records: CapabilityRecord[]) {
    this.records = records;
  }

  /** The result for the candidates whose positions are set in `mask`, built once per generation. */
  combinedResult(mask: number, generation: number): AlgebraCheckResult {
    if (this.combined === undefined || this.combinedGeneration !== generation) {
      this.combined = new Map();
      this.combinedGeneration = generation;
    }
    let result = this.combined.get(mask);
    if (result === undefined) {
      result = allowedResult(this.records.filter((_, index) => mask & (1 << index)).map((record) => record.view()));
      this.combined.set(mask, result);
    }
    return result;
  }
}

/** Above this many candidates, results allowed by several of them are built per check, not cached. */
const MAX_CACHED_CANDIDATES = 30;

interface ScopeBucket {
  /** Capabilities on each concrete resource, followed by the scope's wildcard ones. */
  readonly byResource: Dictionary<CandidateList>;
  /** Capabilities on the `'*'` resource. */
  readonly wildcard: CandidateList;
}

/** The indexes over every capability of one algebra. */
export class CapabilityIndex {
  private readonly records = new Map<string, CapabilityRecord>();
  private readonly byAgent = new Map<string, CapabilityRecord[]>();
  private readonly byAgentScope: Dictionary<Dictionary<ScopeBucket>> = dictionary();
  private readonly derived = new Map<string, CapabilityRecord[]>();
  private readonly now: Clock;
  /** Bumped whenever a capability's view changes, so cached combined results are rebuilt. */
  private generation = 0;

  /** @param now the clock read once per check that reaches a candidate capability */
  constructor(now: Clock) {
    this.now = now;
  }

  /** Adds a capability to every index. Its sources must already be present. */
  add(record: CapabilityRecord): void {
    const { id, grantedTo, scope, resource, derivedFrom } = record.definition;
    this.records.set(id, record);
    appendTo(this.byAgent, grantedTo, record);
    for (const sourceId of derivedFrom) appendTo(this.derived, sourceId, record);
    const bucket = this.bucketFor(grantedTo, scope);
    if (resource === WILDCARD) {
      bucket.wildcard.records.push(record);
      for (const list of Object.values(bucket.byResource)) list?.records.push(record);
    } else {
      const list = bucket.byResource[resource];
      if (list) list.records.push(record);
      else bucket.byResource[resource] = new CandidateList([...bucket.wildcard.records, record]);
    }
  }

  /** Call after a capability's lifecycle changed (revoked, expired, attested). */
  changed(): void {
    this.generation++;
  }

  /** The capability with this id, if any. */
  get(id: string): CapabilityRecord | undefined {
    return this.records.get(id);
  }

  /** Every capability, in creation order. */
  all(): IterableIterator<CapabilityRecord> {
    return this.records.values();
  }

  /** The capabilities held by an agent, in creation order. */
  heldBy(agentId: string): readonly CapabilityRecord[] {
    return this.byAgent.get(agentId) ?? [];
  }

  /** Every capability derived from `id`, directly or transitively (each once, nearest first). */
  descendantsOf(id: string): CapabilityRecord[] {
    const found: CapabilityRecord[] = [];
    const seen = new Set<string>([id]);
    for (let queue = [id], next: string[] = []; queue.length > 0; queue = next, next = []) {
      for (const sourceId of queue) {
        for (const child of this.derived.get(sourceId) ?? []) {
          if (seen.has(child.definition.id)) continue;
          seen.add(child.definition.id);
          found.push(child);
          next.push(child.definition.id);
        }
      }
    }
    return found;
  }

  /** True when some capability of the agent allows the request; stops at the first. */
  isAllowed(
    agentId: string,
    scope: string,
    resource: string,
    action: string,
    context: CapabilityCheckContext | undefined,
  ): boolean {
    const candidates = this.candidates(agentId, scope, resource);
    if (candidates === undefined) return false;
    const records = candidates.records;
    if (records.length === 0) return false;
    const now = this.now();
    for (let index = 0; index < records.length; index++) {
      if ((records[index] as CapabilityRecord).evaluate(action, context, now) === ALLOWED) return true;
    }
    return false;
  }

  /** Every capability of the agent that allows the request, or the closest reason for denial. */
  check(
    agentId: string,
    scope: string,
    resource: string,
    action: string,
    context: CapabilityCheckContext | undefined,
  ): AlgebraCheckResult {
    const candidates = this.candidates(agentId, scope, resource);
    const records = candidates?.records;
    if (records === undefined || records.length === 0) {
      return deniedResult(this.byAgentScope[agentId] === undefined ? DENIED_NO_CAPABILITIES : DENIED_NO_MATCH);
    }
    const now = this.now();
    let denial = DENIED_NO_MATCH;
    let first: CapabilityRecord | undefined;
    let mask = 0;
    let allowing = 0;
    for (let index = 0; index < records.length; index++) {
      const record = records[index] as CapabilityRecord;
      const outcome = record.evaluate(action, context, now);
      if (outcome === ALLOWED) {
        first ??= record;
        mask |= 1 << index;
        allowing++;
      } else if (outcome > denial) {
        denial = outcome;
      }
    }
    if (first === undefined) return deniedResult(denial);
    if (allowing === 1) return first.allowResult();
    return this.combinedResult(candidates as CandidateList, mask, action, context, now);
  }

  private combinedResult(
    candidates: CandidateList,
    mask: number,
    action: string,
    context: CapabilityCheckContext | undefined,
    now: number,
  ): AlgebraCheckResult {
    if (candidates.records.length <= MAX_CACHED_CANDIDATES) return candidates.combinedResult(mask, this.generation);
    const allowing = candidates.records.filter((record) => record.evaluate(action, context, now) === ALLOWED);
    return allowedResult(allowing.map((record) => record.view()));
  }

  private candidates(agentId: string, scope: string, resource: string): CandidateList | undefined {
    const bucket = this.byAgentScope[agentId]?.[scope];
    if (bucket === undefined) return undefined;
    return bucket.byResource[resource] ?? bucket.wildcard;
  }

  private bucketFor(agentId: string, scope: string): ScopeBucket {
    let scopes = this.byAgentScope[agentId];
    if (scopes === undefined) {
      scopes = dictionary();
      this.byAgentScope[agentId] = scopes;
    }
    let bucket = scopes[scope];
    if (bucket === undefined) {
      bucket = { byResource: dictionary(), wildcard: new CandidateList([]) };
      scopes[scope] = bucket;
    }
    return bucket;
  }
}

function appendTo<Key>(map: Map<Key, CapabilityRecord[]>, key: Key, record: CapabilityRecord): void {
  const list = map.get(key);
  if (list) list.push(record);
  else map.set(key, [record]);
}
