/**
 * Where the algebra keeps its capabilities: by id, by scope → resource → holder for checks, and by
 * source for cascading revocation and expiry.
 *
 * A check finds its candidate list through three dictionaries: the scope's table (a handful of
 * scopes, always in cache), the resource's holders, and the agent's list there. Keyed the other
 * way round (agent → scope → resource), a check followed more pointers into memory that was not
 * in cache, and was about a fifth slower. The lists themselves are nodes in one buffer
 * ({@link CandidateLists}), named by their first node. Capabilities on the `'*'` resource are
 * listed in every resource list of their holder and scope, and in the scope's wildcard lists (for
 * resources where the holder has no list), so a check scans exactly one list. Nothing on the check
 * path allocates: results are cached frozen objects.
 *
 * @module
 */
import type { Clock } from '../clock.js';
import { CandidateLists, END } from './algebra-candidates.js';
import {
  ALLOWED,
  allowedResult,
  DENIED_ACTION,
  DENIED_CLOCK,
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

/** True when a candidate's mask may allow the action with this bit. */
function mayAllow(mask: number, actionBit: number): boolean {
  return mask === -1 || (mask & actionBit) !== 0;
}

/**
 * Results of checks allowed by several candidates of one list, as `[generation, mask, result,
 * mask, result, …]`: the index generation they were built in (older ones are discarded), then
 * each result after the bit mask of the allowing candidates' positions. Searched linearly: a
 * short list has few distinct sets of allowing candidates.
 */
type CombinedResults = Array<number | AlgebraCheckResult>;

/** What {@link CapabilityIndex.candidates} returns for an agent without capabilities on the scope. */
const NOT_ON_SCOPE = -2;

/** Above this many candidates, results allowed by several of them are built per check, not cached. */
const MAX_CACHED_CANDIDATES = 30;
/** Actions that get a bit in the action table; later ones are matched with `includes`. */
const ACTION_BITS = 30;

/**
 * The candidate lists on one scope. Each list holds one holder's capabilities on one resource and
 * its `'*'` ones, in creation order, and is named by its first node in {@link CandidateLists}.
 */
class ScopeTable {
  /** Resource → holder → that holder's list on the resource. */
  readonly byResource: Dictionary<Dictionary<number>> = dictionary();
  /**
   * Holder → its list of `'*'` resource capabilities, for a resource it has no list of its own on;
   * `END` when the holder has capabilities on this scope but none on `'*'`. So a check that finds
   * no list learns from this one lookup whether the agent holds anything here, and needs the
   * holder index (one more lookup) only for an agent with nothing on the scope.
   */
  readonly wildcard: Dictionary<number> = dictionary();
  /**
   * Holder → its newest list in `byResource`, chained to its others ({@link CandidateLists.nextList}),
   * so that a new `'*'` capability reaches each.
   */
  readonly resourceLists: Dictionary<number> = dictionary();
}

/** The indexes over every capability of one algebra. */
export class CapabilityIndex {
  /**
   * Id → capability, filled from the candidate lists' table (every capability, in creation order)
   * at the first lookup by id after an addition: a bulk load looks no id up, and a hash-table
   * insert per grant is a measurable part of its cost.
   */
  private readonly byId = new Map<string, CapabilityRecord>();
  /** How many capabilities, in creation order, {@link CapabilityIndex.byId} holds. */
  private indexedIds = 0;
  /** Holder → its capabilities in creation order (a dictionary: denied checks read it). */
  private readonly byAgent: Dictionary<CapabilityRecord[]> = dictionary();
  /** How many capabilities, in creation order, {@link CapabilityIndex.byAgent} holds (filled when read, as `byId`). */
  private indexedHolders = 0;
  private readonly derived = new Map<string, CapabilityRecord[]>();
  private readonly scopes: Dictionary<ScopeTable> = dictionary();
  private readonly lists = new CandidateLists();
  /**
   * Results of checks allowed by several candidates, by their list's first node: one hash lookup,
   * then a short linear search (a `Map` per list, as before, cost a second lookup and more memory).
   */
  private readonly combined = new Map<number, CombinedResults>();
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
    const { grantedTo, scope, resource, derivedFrom } = record.definition;
    // Indexed loops on the grant path: `for…of` allocates an iterator result per step until V8
    // optimizes the loop, and a bulk load runs mostly before that.
    for (let index = 0; index < derivedFrom.length; index++) {
      appendTo(this.derived, derivedFrom[index] as string, record);
    }
    this.numberActions(record);
    record.slot = this.lists.addCapability(record);
    let table = this.scopes[scope];
    if (table === undefined) {
      table = new ScopeTable();
      this.scopes[scope] = table;
    }
    if (resource === WILDCARD) this.addToEveryResource(table, grantedTo, record.slot);
    else this.addToResource(table, resource, grantedTo, record.slot);
  }

  /** Call after a capability's lifecycle changed (revoked, expired, attested). */
  changed(record: CapabilityRecord): void {
    this.lists.refresh(record.slot);
    this.generation++;
  }

  /** The capability with this id, if any. */
  get(id: string): CapabilityRecord | undefined {
    const records = this.lists.records;
    for (; this.indexedIds < records.length; this.indexedIds++) {
      const record = records[this.indexedIds] as CapabilityRecord;
      this.byId.set(record.definition.id, record);
    }
    return this.byId.get(id);
  }

  /** Holder → its capabilities in creation order, brought up to date. */
  private holders(): Dictionary<CapabilityRecord[]> {
    const records = this.lists.records;
    for (; this.indexedHolders < records.length; this.indexedHolders++) {
      const record = records[this.indexedHolders] as CapabilityRecord;
      appendToEntry(this.byAgent, record.definition.grantedTo, record);
    }
    return this.byAgent;
  }

  /** Every capability, in creation order. */
  all(): IterableIterator<CapabilityRecord> {
    return this.lists.records.values();
  }

  /** The capabilities held by an agent, in creation order. */
  heldBy(agentId: string): readonly CapabilityRecord[] {
    return (typeof agentId === 'string' ? this.holders()[agentId] : undefined) ?? [];
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
    const head = this.candidates(agentId, scope, resource, action);
    if (head < 0) return false;
    const actionBit = this.actionBits[action] ?? 0;
    const now = this.now();
    // A clock at -Infinity would pass every "now < expiresAt"; a broken clock allows nothing.
    if (!Number.isFinite(now)) return false;
    for (let node = head; node !== END; node = this.lists.next(node)) {
      if (!mayAllow(this.lists.mask(node), actionBit)) continue;
      if (this.lists.evaluate(node, actionBit, action, context, now) === ALLOWED) return true;
    }
    return false;
  }

  /**
   * Every capability of the agent that allows the request, or the closest reason for denial. The
   * common outcomes, a denial or one allowing capability, return a frozen result found by one
   * array load; several allowing capabilities, one cached by which candidates allow.
   */
  check(
    agentId: string,
    scope: string,
    resource: string,
    action: string,
    context: CapabilityCheckContext | undefined,
  ): AlgebraCheckResult {
    const head = this.candidates(agentId, scope, resource, action);
    if (head === END) return deniedResult(DENIED_NO_MATCH);
    if (head === NOT_ON_SCOPE) return deniedResult(this.missingReason(agentId, scope, resource, action));
    const actionBit = this.actionBits[action] ?? 0;
    const now = this.now();
    if (!Number.isFinite(now)) return deniedResult(DENIED_CLOCK);
    let denial = DENIED_NO_MATCH;
    let firstAllowing = END;
    let allowing = 0;
    let positions = 0;
    let position = 0;
    for (let node = head; node !== END; node = this.lists.next(node), position++) {
      if (!mayAllow(this.lists.mask(node), actionBit)) {
        if (denial < DENIED_ACTION) denial = DENIED_ACTION;
        continue;
      }
      const outcome = this.lists.evaluate(node, actionBit, action, context, now);
      if (outcome === ALLOWED) {
        if (firstAllowing === END) firstAllowing = node;
        positions |= 1 << position;
        allowing++;
      } else if (outcome > denial) {
        denial = outcome;
      }
    }
    if (firstAllowing === END) return deniedResult(denial);
    if (allowing === 1) return this.lists.allowResult(firstAllowing);
    if (position <= MAX_CACHED_CANDIDATES) return this.combinedResult(head, positions);
    return allowedResult(this.allowingViews(head, actionBit, action, context, now));
  }

  /** The result for the candidates at the positions set in `positions`, built once per generation. */
  private combinedResult(head: number, positions: number): AlgebraCheckResult {
    let cache = this.combined.get(head);
    if (cache === undefined || cache[0] !== this.generation) {
      cache = [this.generation];
      this.combined.set(head, cache);
    }
    for (let index = 1; index < cache.length; index += 2) {
      if (cache[index] === positions) return cache[index + 1] as AlgebraCheckResult;
    }
    const views: AlgebraCapability[] = [];
    for (let node = head, position = 0; node !== END; node = this.lists.next(node), position++) {
      if ((positions & (1 << position)) !== 0) views.push(this.view(node));
    }
    const result = allowedResult(views);
    cache.push(positions, result);
    return result;
  }

  /** The views of every capability in the list that allows the request (for lists too long to cache). */
  private allowingViews(
    head: number,
    actionBit: number,
    action: string,
    context: CapabilityCheckContext | undefined,
    now: number,
  ): AlgebraCapability[] {
    const views: AlgebraCapability[] = [];
    for (let node = head; node !== END; node = this.lists.next(node)) {
      const record = this.lists.records[this.lists.slot(node)] as CapabilityRecord;
      if (record.evaluate(actionBit, action, context, now) === ALLOWED) views.push(record.view());
    }
    return views;
  }

  private view(node: number): AlgebraCapability {
    return (this.lists.records[this.lists.slot(node)] as CapabilityRecord).view();
  }

  /**
   * The first node of the list to scan; `END` when the agent holds capabilities on the scope but
   * none on this resource, and {@link NOT_ON_SCOPE} when it holds none on the scope (or an argument
   * is not a string).
   */
  private candidates(agentId: string, scope: string, resource: string, action: string): number {
    // Fail closed on type confusion: `['agent']` must not be read as the key "agent".
    if (typeof agentId !== 'string' || typeof scope !== 'string' || typeof resource !== 'string') return NOT_ON_SCOPE;
    if (typeof action !== 'string') return NOT_ON_SCOPE;
    const table = this.scopes[scope];
    if (table === undefined) return NOT_ON_SCOPE;
    const holders = table.byResource[resource];
    return (holders === undefined ? undefined : holders[agentId]) ?? table.wildcard[agentId] ?? NOT_ON_SCOPE;
  }

  /** Why `candidates` found none: the agent holds nothing at all, or nothing on this scope and resource. */
  private missingReason(agentId: string, scope: string, resource: string, action: string): number {
    const strings = typeof scope === 'string' && typeof resource === 'string' && typeof action === 'string';
    const holds = strings && typeof agentId === 'string' && this.holders()[agentId] !== undefined;
    return holds ? DENIED_NO_MATCH : DENIED_NO_CAPABILITIES;
  }

  private numberActions(record: CapabilityRecord): void {
    if (record.allActions) return;
    const actions = record.definition.actions;
    for (let index = 0; index < actions.length; index++) {
      const action = actions[index] as string;
      let bit = this.actionBits[action];
      if (bit === undefined && this.actionCount < ACTION_BITS) {
        bit = 1 << this.actionCount++;
        this.actionBits[action] = bit;
      }
      if (bit === undefined) record.unlistedActions = true;
      else record.actionMask |= bit;
    }
  }

  /** Adds a `'*'` resource capability to its holder's wildcard list and to each of its resource lists. */
  private addToEveryResource(table: ScopeTable, holder: string, slot: number): void {
    const wildcard = table.wildcard[holder];
    if (wildcard === undefined || wildcard === END) table.wildcard[holder] = this.lists.create(slot);
    else this.lists.append(wildcard, slot);
    for (let head = table.resourceLists[holder] ?? END; head !== END; head = this.lists.nextList(head)) {
      this.lists.append(head, slot);
    }
  }

  /** Adds a capability to its holder's list on its resource, started from the holder's `'*'` list if new. */
  private addToResource(table: ScopeTable, resource: string, holder: string, slot: number): void {
    let holders = table.byResource[resource];
    if (holders === undefined) {
      holders = dictionary();
      table.byResource[resource] = holders;
    }
    const head = holders[holder];
    if (head !== undefined) {
      this.lists.append(head, slot);
      return;
    }
    const wildcard = table.wildcard[holder];
    let created: number;
    if (wildcard === undefined || wildcard === END) {
      created = this.lists.create(slot);
      if (wildcard === undefined) table.wildcard[holder] = END;
    } else {
      created = this.lists.copy(wildcard);
      this.lists.append(created, slot);
    }
    holders[holder] = created;
    this.lists.linkList(created, table.resourceLists[holder] ?? END);
    table.resourceLists[holder] = created;
  }
}

function appendToEntry<Value>(dictionary: Dictionary<Value[]>, key: string, value: Value): void {
  const values = dictionary[key];
  if (values === undefined) dictionary[key] = [value];
  else values.push(value);
}

function appendTo<Key>(map: Map<Key, CapabilityRecord[]>, key: Key, record: CapabilityRecord): void {
  const list = map.get(key);
  if (list) list.push(record);
  else map.set(key, [record]);
}
