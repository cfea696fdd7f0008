/**
 * Where the algebra keeps its capabilities: by id, by agent → scope → resource for checks, and by
 * source for cascading revocation and expiry.
 *
 * Scopes, resources and actions are numbered in small shared tables, so a check does one lookup
 * by agent, two array reads, and scans the few capabilities of that agent on that scope and
 * resource. Capabilities on the `'*'` resource are listed in every resource list of their agent
 * and scope (and in the scope's wildcard list, used for resources with no list), so a check scans
 * exactly one list. Nothing on the check path allocates: results are cached frozen objects.
 *
 * @module
 */
import type { Clock } from '../clock.js';
import {
  ALLOWED,
  allowedResult,
  DENIED_ACTION,
  DENIED_NO_CAPABILITIES,
  DENIED_NO_MATCH,
  deniedResult,
} from './algebra-outcomes.js';
import type { CapabilityRecord } from './algebra-record.js';
import type { AlgebraCapability, AlgebraCheckResult, CapabilityCheckContext } from './algebra-types.js';
import { WILDCARD } from './algebra-wildcards.js';

/** A dictionary object without a prototype: V8 looks string keys up in these faster than in a `Map`. */
type Dictionary<Value> = Record<string, Value | undefined>;

function dictionary<Value>(): Dictionary<Value> {
  return Object.create(null) as Dictionary<Value>;
}

/**
 * The capabilities one check scans (those on one resource, then the scope's wildcard ones):
 * `[combined, mask, record, mask, record, …]`. A check reads each mask first and touches a record
 * only when it may allow the action, so capabilities for other actions cost no memory access
 * beyond this array; a mask of `-1` means "may allow any action". `combined` caches the results
 * of checks that several of the list's capabilities allow.
 */
type Candidates = Array<CombinedResults | null | number | CapabilityRecord>;

/** The first mask's position in a candidate list. */
const FIRST = 1;

function newCandidates(wildcard: Candidates): Candidates {
  const candidates = wildcard.slice();
  // The combined-results cache is made on the first check that needs it: most lists never do.
  candidates[0] = null;
  return candidates;
}

/** The candidates' mask for a record (`-1` when it has `'*'` or an action without a bit). */
function candidateMask(record: CapabilityRecord): number {
  return record.allActions || record.unlistedActions ? -1 : record.actionMask;
}

/** True when a candidate's mask may allow the action with this bit. */
function mayAllow(mask: number, actionBit: number): boolean {
  return mask === -1 || (mask & actionBit) !== 0;
}

/** Results of checks allowed by several candidates of one list, by the bit mask of those candidates. */
interface CombinedResults {
  /** The index generation the results were built in; older ones are discarded. */
  generation: number;
  /** Results by the bit mask of the allowing candidates' positions. */
  readonly byMask: Map<number, AlgebraCheckResult>;
}

/** Above this many candidates, results allowed by several of them are built per check, not cached. */
const MAX_CACHED_CANDIDATES = 30;
/** Actions that get a bit in the action table; later ones are matched with `includes`. */
const ACTION_BITS = 30;

/** One agent's capabilities on one scope. */
class ScopeIndex {
  /** By resource id (a sparse array): that resource's capabilities, then the wildcard ones. */
  readonly byResource: Array<Candidates | undefined> = [];
  /** Capabilities on the `'*'` resource: the candidates for a resource with no list of its own. */
  readonly wildcard: Candidates = newCandidates([]);
  /** Every list in `byResource`, so that a new wildcard capability reaches each. */
  readonly lists: Candidates[] = [];
}

/** The indexes over every capability of one algebra. */
export class CapabilityIndex {
  private readonly records = new Map<string, CapabilityRecord>();
  private readonly byAgent = new Map<string, CapabilityRecord[]>();
  private readonly derived = new Map<string, CapabilityRecord[]>();
  /** Agent → scope id → the agent's capabilities on that scope. */
  private readonly agents: Dictionary<Array<ScopeIndex | undefined>> = dictionary();
  // Scopes, resources and actions are numbered once, in small tables that stay in cache; the
  // per-agent indexes are then keyed by numbers.
  private readonly scopeIds: Dictionary<number> = dictionary();
  private readonly resourceIds: Dictionary<number> = dictionary();
  private readonly actionBits: Dictionary<number> = dictionary();
  private scopeCount = 0;
  private resourceCount = 0;
  private actionCount = 0;
  private readonly now: Clock;
  /** Bumped whenever a capability's view changes, so cached combined results are rebuilt. */
  private generation = 0;
  /** Why the last `candidates` call found none (a denial code), read by `check` without a second lookup. */
  private missing = DENIED_NO_CAPABILITIES;

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
    this.numberActions(record);
    const scopeIndex = this.scopeIndexFor(grantedTo, scope);
    const mask = candidateMask(record);
    if (resource === WILDCARD) {
      scopeIndex.wildcard.push(mask, record);
      for (const list of scopeIndex.lists) list.push(mask, record);
      return;
    }
    const resourceId = this.resourceIds[resource] ?? this.numberResource(resource);
    const list = scopeIndex.byResource[resourceId];
    if (list) {
      list.push(mask, record);
    } else {
      const created = newCandidates(scopeIndex.wildcard);
      created.push(mask, record);
      scopeIndex.byResource[resourceId] = created;
      scopeIndex.lists.push(created);
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
    const records = this.candidates(agentId, scope, resource, action);
    if (records === undefined) return false;
    const actionBit = this.actionBits[action] ?? 0;
    const now = this.now();
    for (let index = FIRST; index < records.length; index += 2) {
      if (!mayAllow(records[index] as number, actionBit)) continue;
      if ((records[index + 1] as CapabilityRecord).evaluate(actionBit, action, context, now) === ALLOWED) return true;
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
    const records = this.candidates(agentId, scope, resource, action);
    if (records === undefined) return deniedResult(this.missing);
    const actionBit = this.actionBits[action] ?? 0;
    const now = this.now();
    let denial = DENIED_NO_MATCH;
    let first: CapabilityRecord | undefined;
    let mask = 0;
    let allowing = 0;
    for (let index = FIRST; index < records.length; index += 2) {
      if (!mayAllow(records[index] as number, actionBit)) {
        if (denial < DENIED_ACTION) denial = DENIED_ACTION;
        continue;
      }
      const record = records[index + 1] as CapabilityRecord;
      const outcome = record.evaluate(actionBit, action, context, now);
      if (outcome === ALLOWED) {
        first ??= record;
        mask |= 1 << (index >> 1);
        allowing++;
      } else if (outcome > denial) {
        denial = outcome;
      }
    }
    if (first === undefined) return deniedResult(denial);
    if (allowing === 1) return first.allowResult();
    if (records.length <= FIRST + MAX_CACHED_CANDIDATES * 2) return this.combinedResult(records, mask);
    return allowedResult(allowingViews(records, actionBit, action, context, now));
  }

  /** The result for the candidates whose positions are set in `mask`, built once per generation. */
  private combinedResult(records: Candidates, mask: number): AlgebraCheckResult {
    let cache = records[0] as CombinedResults | null;
    if (cache === null) {
      cache = { generation: this.generation, byMask: new Map() };
      records[0] = cache;
    } else if (cache.generation !== this.generation) {
      cache.byMask.clear();
      cache.generation = this.generation;
    }
    let result = cache.byMask.get(mask);
    if (result === undefined) {
      result = allowedResult(viewsInMask(records, mask));
      cache.byMask.set(mask, result);
    }
    return result;
  }

  /** The capabilities to scan, or `undefined` when there are none (or an argument is not a string). */
  private candidates(agentId: string, scope: string, resource: string, action: string): Candidates | undefined {
    // Fail closed on type confusion: `['agent']` must not be read as the key "agent".
    this.missing = DENIED_NO_CAPABILITIES;
    if (typeof agentId !== 'string' || typeof scope !== 'string' || typeof resource !== 'string') return undefined;
    if (typeof action !== 'string') return undefined;
    const byScope = this.agents[agentId];
    if (byScope === undefined) {
      this.missing = DENIED_NO_CAPABILITIES;
      return undefined;
    }
    this.missing = DENIED_NO_MATCH;
    const scopeId = this.scopeIds[scope];
    const scopeIndex = scopeId === undefined ? undefined : byScope[scopeId];
    if (scopeIndex === undefined) return undefined;
    const resourceId = this.resourceIds[resource];
    const list = (resourceId === undefined ? undefined : scopeIndex.byResource[resourceId]) ?? scopeIndex.wildcard;
    return list.length === FIRST ? undefined : list;
  }

  private numberScope(scope: string): number {
    const scopeId = this.scopeCount++;
    this.scopeIds[scope] = scopeId;
    return scopeId;
  }

  private numberResource(resource: string): number {
    const resourceId = this.resourceCount++;
    this.resourceIds[resource] = resourceId;
    return resourceId;
  }

  private numberActions(record: CapabilityRecord): void {
    if (record.allActions) return;
    for (const action of record.actions) {
      let bit = this.actionBits[action];
      if (bit === undefined && this.actionCount < ACTION_BITS) {
        bit = 1 << this.actionCount++;
        this.actionBits[action] = bit;
      }
      if (bit === undefined) record.unlistedActions = true;
      else record.actionMask |= bit;
    }
  }

  private scopeIndexFor(agentId: string, scope: string): ScopeIndex {
    let byScope = this.agents[agentId];
    if (byScope === undefined) {
      byScope = [];
      this.agents[agentId] = byScope;
    }
    const scopeId = this.scopeIds[scope] ?? this.numberScope(scope);
    let scopeIndex = byScope[scopeId];
    if (scopeIndex === undefined) {
      scopeIndex = new ScopeIndex();
      byScope[scopeId] = scopeIndex;
    }
    return scopeIndex;
  }
}

// The helpers below are module functions on purpose: a closure inside `check` that captured its
// locals would make V8 allocate a context object on every call, even when the closure is unused.

function allowingViews(
  records: Candidates,
  actionBit: number,
  action: string,
  context: CapabilityCheckContext | undefined,
  now: number,
): AlgebraCapability[] {
  const views: AlgebraCapability[] = [];
  for (let index = FIRST + 1; index < records.length; index += 2) {
    const record = records[index] as CapabilityRecord;
    if (record.evaluate(actionBit, action, context, now) === ALLOWED) views.push(record.view());
  }
  return views;
}

function viewsInMask(records: Candidates, mask: number): AlgebraCapability[] {
  const views: AlgebraCapability[] = [];
  for (let index = FIRST; index < records.length; index += 2) {
    if ((mask & (1 << (index >> 1))) !== 0) views.push((records[index + 1] as CapabilityRecord).view());
  }
  return views;
}

function appendTo<Key>(map: Map<Key, CapabilityRecord[]>, key: Key, record: CapabilityRecord): void {
  const list = map.get(key);
  if (list) list.push(record);
  else map.set(key, [record]);
}
