/**
 * Where the algebra keeps its capabilities: by id, by scope → resource → holder for checks, and by
 * source for cascading revocation and expiry.
 *
 * A check looks its candidate list up through three dictionaries: the scope's table (a handful of
 * scopes, always in cache), the resource's holders (one per resource of the scope), and the
 * agent's list there. The two small tables come first so that the only lookup that misses the
 * cache is the last one; keyed the other way round (agent → scope → resource), a check followed
 * twice as many pointers through memory that was not in cache, which made it several times slower
 * than the lookups themselves. Capabilities on the `'*'` resource are listed in every resource
 * list of their holder and scope, and in the scope's wildcard lists (used for resources where the
 * holder has no list), so a check scans exactly one list. Nothing on the check path allocates:
 * results are cached frozen objects.
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
 * The capabilities one check scans (one holder's on one resource and its `'*'` ones, in creation
 * order): `[combined, mask, record, mask, record, …]`. A check reads each mask first and touches a record
 * only when it may allow the action, so capabilities for other actions cost no memory access
 * beyond this array; a mask of `-1` means "may allow any action". `combined` caches the results
 * of checks that several of the list's capabilities allow.
 */
type Candidates = Array<CombinedResults | null | number | CapabilityRecord>;

/** The first mask's position in a candidate list. */
const FIRST = 1;

function newCandidates(wildcard: Candidates | undefined): Candidates {
  if (wildcard === undefined) return [null];
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

/** The capabilities on one scope. */
class ScopeTable {
  /** Resource → holder → that holder's candidates on the resource (its `'*'` ones included). */
  readonly byResource: Dictionary<Dictionary<Candidates>> = dictionary();
  /** Holder → its `'*'` resource candidates: the list for a resource it has no list of its own on. */
  readonly wildcard: Dictionary<Candidates> = dictionary();
  /** Holder → every list of it in `byResource`, so that a new `'*'` capability reaches each. */
  readonly listsByHolder: Dictionary<Candidates[]> = dictionary();
}

/** The indexes over every capability of one algebra. */
export class CapabilityIndex {
  private readonly records = new Map<string, CapabilityRecord>();
  /** Holder → its capabilities in creation order (a dictionary: denied checks read it). */
  private readonly byAgent: Dictionary<CapabilityRecord[]> = dictionary();
  private readonly derived = new Map<string, CapabilityRecord[]>();
  private readonly scopes: Dictionary<ScopeTable> = dictionary();
  /** Actions are numbered once into bits, so a candidate's actions are one integer mask. */
  private readonly actionBits: Dictionary<number> = dictionary();
  private actionCount = 0;
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
    const held = this.byAgent[grantedTo];
    if (held === undefined) this.byAgent[grantedTo] = [record];
    else held.push(record);
    for (const sourceId of derivedFrom) appendTo(this.derived, sourceId, record);
    this.numberActions(record);
    let table = this.scopes[scope];
    if (table === undefined) {
      table = new ScopeTable();
      this.scopes[scope] = table;
    }
    const mask = candidateMask(record);
    if (resource === WILDCARD) addToEveryResource(table, grantedTo, mask, record);
    else addToResource(table, resource, grantedTo, mask, record);
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
    return (typeof agentId === 'string' ? this.byAgent[agentId] : undefined) ?? [];
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
    if (records === undefined) return deniedResult(this.missingReason(agentId, scope, resource, action));
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
    if (typeof agentId !== 'string' || typeof scope !== 'string' || typeof resource !== 'string') return undefined;
    if (typeof action !== 'string') return undefined;
    const table = this.scopes[scope];
    if (table === undefined) return undefined;
    const holders = table.byResource[resource];
    return (holders === undefined ? undefined : holders[agentId]) ?? table.wildcard[agentId];
  }

  /** Why `candidates` found none: the agent holds nothing at all, or nothing on this scope and resource. */
  private missingReason(agentId: string, scope: string, resource: string, action: string): number {
    const strings = typeof scope === 'string' && typeof resource === 'string' && typeof action === 'string';
    const holds = strings && typeof agentId === 'string' && this.byAgent[agentId] !== undefined;
    return holds ? DENIED_NO_MATCH : DENIED_NO_CAPABILITIES;
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
}

/** Adds a `'*'` resource capability to its holder's wildcard list and to each of its resource lists. */
function addToEveryResource(table: ScopeTable, holder: string, mask: number, record: CapabilityRecord): void {
  const wildcard = table.wildcard[holder];
  if (wildcard === undefined) table.wildcard[holder] = [null, mask, record];
  else wildcard.push(mask, record);
  for (const list of table.listsByHolder[holder] ?? NO_LISTS) list.push(mask, record);
}

/** Adds a capability to its holder's list on its resource, made from the holder's `'*'` list if new. */
function addToResource(
  table: ScopeTable,
  resource: string,
  holder: string,
  mask: number,
  record: CapabilityRecord,
): void {
  let holders = table.byResource[resource];
  if (holders === undefined) {
    holders = dictionary();
    table.byResource[resource] = holders;
  }
  let list = holders[holder];
  if (list === undefined) {
    list = newCandidates(table.wildcard[holder]);
    holders[holder] = list;
    const lists = table.listsByHolder[holder];
    if (lists === undefined) table.listsByHolder[holder] = [list];
    else lists.push(list);
  }
  list.push(mask, record);
}

const NO_LISTS: readonly Candidates[] = Object.freeze([]);

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
