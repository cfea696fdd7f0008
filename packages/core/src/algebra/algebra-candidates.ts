/**
 * The candidate lists a check scans, packed into one growing buffer of 64-byte nodes. A node holds
 * everything a check reads to decide a typical capability: its action mask, the next node, and
 * the numbers its expiry, time windows, rate limits and budgets fold into. A check therefore
 * reads one or two cache lines per candidate instead of the capability object and the objects it
 * points to, which are scattered over the heap (each sits among the objects its grant made), so
 * that each read is a cache miss: on the benchmark workload, deciding from the nodes made checks
 * about a quarter faster. A capability that numbers cannot decide (revoked, with a condition, a
 * scope restriction, an unknown constraint, or an action without a bit) is decided by its own
 * `evaluate`, the rule that the numbers apply in the same order.
 *
 * @module
 */
import { BUDGET, inputMissing, notSatisfied, RATE_LIMIT, TIME_WINDOW } from './algebra-constraints.js';
import { ALLOWED, allowedByOne, DENIED_EXPIRED } from './algebra-outcomes.js';
import type { CapabilityRecord } from './algebra-record.js';
import type { AlgebraCheckResult, CapabilityCheckContext } from './algebra-types.js';

/** The `next` of a list's last node, and "no list". */
export const END = -1;

const NODE_BYTES = 64;
const INTS = NODE_BYTES / Int32Array.BYTES_PER_ELEMENT;
const DOUBLES = NODE_BYTES / Float64Array.BYTES_PER_ELEMENT;
// Integer fields of a node (indexes into its 16 int32 words, bytes 0–23).
/** The capability's action bits, `-1` when it may allow any action. */
const MASK = 0;
const NEXT = 1;
const SLOT = 2;
/** The next node of the same capability (a `'*'` resource capability is in several lists). */
const SAME_SLOT_NEXT = 3;
/** On a list's first node: its last node, for appending. */
const LAST = 4;
/** On a list's first node: the first node of another list of the same holder on the same scope. */
const NEXT_LIST = 5;
// Number fields (indexes into its 8 doubles, bytes 24–63). Time windows fold into one inclusive
// `[NOT_BEFORE, NOT_AFTER]`, rate limits and budgets into their smallest limit; `NOT_BEFORE` is
// NaN when only the capability's `evaluate` can decide.
const NOT_BEFORE = 3;
const NOT_AFTER = 4;
const EXPIRES_AT = 5;
const USAGE_LIMIT = 6;
const BUDGET_LIMIT = 7;

const TIME_WINDOW_NOT_SATISFIED = notSatisfied(TIME_WINDOW);
const USAGE_MISSING = inputMissing(RATE_LIMIT);
const USAGE_NOT_SATISFIED = notSatisfied(RATE_LIMIT);
const BUDGET_MISSING = inputMissing(BUDGET);
const BUDGET_NOT_SATISFIED = notSatisfied(BUDGET);

const INITIAL_NODES = 256;

/** Candidate lists, named by their first node (a small integer a dictionary stores without an object). */
export class CandidateLists {
  /** The capabilities, by slot (their order of addition). */
  readonly records: CapabilityRecord[] = [];
  /**
   * By node: the frozen result of a check allowed by that node's capability alone, once built.
   * Indexed by node, not by slot, so that `check` finds it from the node it already holds, with a
   * load that does not wait for the node's own cache line (a capability in several lists shares
   * one result among its nodes). Sized at the first result built, not per node as capabilities
   * are added: a load that no check follows pays nothing for it (see `buildAllowResult`).
   */
  private allowResults: Array<AlgebraCheckResult | undefined> = [];
  /** By slot: its first node (the others follow through `SAME_SLOT_NEXT`), or `END`. */
  private readonly firstNodes: number[] = [];
  private ints = new Int32Array(INITIAL_NODES * INTS);
  private doubles = new Float64Array(this.ints.buffer);
  private count = 0;

  /** Gives a capability the next slot and returns it. Its action bits must be set already. */
  addCapability(record: CapabilityRecord): number {
    const slot = this.records.length;
    this.records.push(record);
    this.firstNodes.push(END);
    return slot;
  }

  /** A new list of one candidate, the capability in `slot`; returns its first node. */
  create(slot: number): number {
    if ((this.count + 1) * INTS > this.ints.length) this.grow();
    const node = this.count++;
    const record = this.records[slot] as CapabilityRecord;
    const ints = node * INTS;
    this.ints[ints + MASK] = record.allActions || record.unlistedActions ? -1 : record.actionMask;
    this.ints[ints + NEXT] = END;
    this.ints[ints + SLOT] = slot;
    this.ints[ints + SAME_SLOT_NEXT] = this.firstNodes[slot] as number;
    this.ints[ints + LAST] = node;
    this.ints[ints + NEXT_LIST] = END;
    this.firstNodes[slot] = node;
    this.writeBounds(node, record);
    return node;
  }

  /** Appends the capability in `slot` to the list that starts at `head`. */
  append(head: number, slot: number): void {
    const node = this.create(slot);
    const last = this.ints[head * INTS + LAST] as number;
    this.ints[last * INTS + NEXT] = node;
    this.ints[head * INTS + LAST] = node;
  }

  /** A new list with the candidates of the list at `head`; returns its first node. */
  copy(head: number): number {
    const copy = this.create(this.slot(head));
    for (let node = this.next(head); node !== END; node = this.next(node)) this.append(copy, this.slot(node));
    return copy;
  }

  /** Chains the list at `head` to the list at `nextHead` (or `END`), to find both from one. */
  linkList(head: number, nextHead: number): void {
    this.ints[head * INTS + NEXT_LIST] = nextHead;
  }

  /** The first node of the list chained after the list at `head`, or `END`. */
  nextList(head: number): number {
    return this.ints[head * INTS + NEXT_LIST] as number;
  }

  /** The node after `node`, or `END`. */
  next(node: number): number {
    return this.ints[node * INTS + NEXT] as number;
  }

  /** The candidate's action mask: its action bits, or `-1` when it may allow any action. */
  mask(node: number): number {
    return this.ints[node * INTS + MASK] as number;
  }

  /** The candidate's capability slot. */
  slot(node: number): number {
    return this.ints[node * INTS + SLOT] as number;
  }

  /**
   * {@link ALLOWED} when the candidate at `node`, whose mask allows the action, allows the request;
   * otherwise the denial code its `evaluate` would return. The checks below are that rule's, in its
   * order, for a capability the numbers can decide: not revoked, without conditions, scope
   * restrictions or unknown constraints, and with a bit for each action (so the mask decided it).
   */
  evaluate(
    node: number,
    actionBit: number,
    action: string,
    context: CapabilityCheckContext | undefined,
    now: number,
  ): number {
    const doubles = this.doubles;
    const offset = node * DOUBLES;
    const notBefore = doubles[offset + NOT_BEFORE] as number;
    if (Number.isNaN(notBefore)) {
      return (this.records[this.slot(node)] as CapabilityRecord).evaluate(actionBit, action, context, now);
    }
    // Written as "inside the bounds", so that NaN (a broken clock) denies.
    if (!(now < (doubles[offset + EXPIRES_AT] as number))) return DENIED_EXPIRED;
    if (!(now >= notBefore && now <= (doubles[offset + NOT_AFTER] as number))) return TIME_WINDOW_NOT_SATISFIED;
    return this.limitsOutcome(offset, context);
  }

  /**
   * The rate-limit and budget part of {@link CandidateLists.evaluate}. Apart, so that `evaluate`
   * stays small enough for V8 to inline into `check`: a call that V8 does not inline boxes each
   * number it is passed (here: none), and a check should allocate nothing.
   */
  private limitsOutcome(offset: number, context: CapabilityCheckContext | undefined): number {
    const doubles = this.doubles;
    const usageLimit = doubles[offset + USAGE_LIMIT] as number;
    if (usageLimit !== Number.POSITIVE_INFINITY) {
      const usage = context?.currentUsage;
      // Own properties only, as `evaluateFolded` reads them: an inherited usage is none.
      if (typeof usage !== 'number' || !Object.hasOwn(context as object, 'currentUsage')) return USAGE_MISSING;
      // "Inside the bounds" again: a NaN usage or budget denies.
      if (!(usage >= 0 && usage < usageLimit)) return USAGE_NOT_SATISFIED;
    }
    const budgetLimit = doubles[offset + BUDGET_LIMIT] as number;
    if (budgetLimit === Number.POSITIVE_INFINITY) return ALLOWED;
    const used = context?.budgetUsed;
    if (typeof used !== 'number' || !Object.hasOwn(context as object, 'budgetUsed')) return BUDGET_MISSING;
    return used >= 0 && used < budgetLimit ? ALLOWED : BUDGET_NOT_SATISFIED;
  }

  /** Call after the capability in `slot` changed (revoked, expired, attested). */
  refresh(slot: number): void {
    const record = this.records[slot] as CapabilityRecord;
    for (let node = this.firstNodes[slot] as number; node !== END; node = this.nextOfSlot(node)) {
      this.writeBounds(node, record);
      // Guarded: a write past the end would make V8 turn the array into a sparse dictionary.
      if (node < this.allowResults.length) this.allowResults[node] = undefined;
    }
  }

  /**
   * The frozen result of a check allowed by the capability at `node` alone. Small, so that V8
   * inlines it into `check`: once built, a result costs one array load.
   */
  allowResult(node: number): AlgebraCheckResult {
    return this.allowResults[node] ?? this.buildAllowResult(node);
  }

  /** Builds {@link CandidateLists.allowResult}'s result, shared with the capability's other nodes. */
  private buildAllowResult(node: number): AlgebraCheckResult {
    if (node >= this.allowResults.length) this.growAllowResults();
    const slot = this.slot(node);
    let result: AlgebraCheckResult | undefined;
    for (let other = this.firstNodes[slot] as number; other !== END; other = this.nextOfSlot(other)) {
      result ??= this.allowResults[other];
    }
    result ??= allowedByOne((this.records[slot] as CapabilityRecord).view());
    this.allowResults[node] = result;
    return result;
  }

  /**
   * Makes room in `allowResults` for every node, and an eighth more for nodes added later. Built
   * filled (not by setting `length`), so that V8 keeps it a plain array, never a sparse dictionary;
   * a read past its end (a node added since) finds `undefined` and comes here.
   */
  private growAllowResults(): void {
    const grown = new Array<AlgebraCheckResult | undefined>(this.count + (this.count >> 3) + 1).fill(undefined);
    for (let node = 0; node < this.allowResults.length; node++) grown[node] = this.allowResults[node];
    this.allowResults = grown;
  }

  /** The next node of the same capability, or `END`. */
  private nextOfSlot(node: number): number {
    return this.ints[node * INTS + SAME_SLOT_NEXT] as number;
  }

  private writeBounds(node: number, record: CapabilityRecord): void {
    const offset = node * DOUBLES;
    const folded = record.folded;
    const decidable = !record.revoked && !record.unlistedActions && (folded === null || folded.listed === null);
    this.doubles[offset + NOT_BEFORE] = decidable ? (folded?.notBefore ?? Number.NEGATIVE_INFINITY) : Number.NaN;
    this.doubles[offset + NOT_AFTER] = folded?.notAfter ?? Number.POSITIVE_INFINITY;
    // An expiry that `expire` made final denies at every time, a clock set back included.
    this.doubles[offset + EXPIRES_AT] = record.expiredForGood ? Number.NEGATIVE_INFINITY : record.expiresAt;
    this.doubles[offset + USAGE_LIMIT] = folded?.usageLimit ?? Number.POSITIVE_INFINITY;
    this.doubles[offset + BUDGET_LIMIT] = folded?.budgetLimit ?? Number.POSITIVE_INFINITY;
  }

  private grow(): void {
    const ints = new Int32Array(this.ints.length * 2);
    ints.set(this.ints);
    this.ints = ints;
    this.doubles = new Float64Array(ints.buffer);
  }
}
