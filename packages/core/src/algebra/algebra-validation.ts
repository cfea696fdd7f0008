/**
 * Validation of what callers pass to the algebra's operations. Each parser returns frozen copies
 * (later changes to the caller's objects cannot reach the algebra) or throws
 * `InvalidInputError` naming every field at fault, before anything changes.
 *
 * @module
 */
import { ownProperty } from '../validation.js';
import { parseConstraints } from './algebra-constraints.js';
import {
  type IssueList,
  isPlainObject,
  ownField,
  readBoolean,
  readOptionalString,
  readOptionalTime,
  readString,
  readStringArray,
  throwIfIssues,
} from './algebra-input.js';
import type { CapabilityConstraint } from './algebra-types.js';
import { normalizeActions } from './algebra-wildcards.js';

/** Validated `grant` parameters. */
export interface ParsedGrant {
  /** The permission domain. */
  readonly scope: string;
  /** The resource or `'*'`. */
  readonly resource: string;
  /** Normalized, frozen actions. */
  readonly actions: readonly string[];
  /** Frozen constraints. */
  readonly constraints: readonly CapabilityConstraint[];
  /** The authority. */
  readonly grantedBy: string;
  /** The holder. */
  readonly grantedTo: string;
  /** Expiry or `null`. */
  readonly expiresAt: number | null;
  /** Whether it may be delegated. */
  readonly delegatable: boolean;
}

/** Validated restrictions for `restrict` and `delegate`. */
export interface ParsedRestrictions {
  /** Actions to intersect with, when given. */
  readonly actions: readonly string[] | undefined;
  /** Constraints to add. */
  readonly constraints: readonly CapabilityConstraint[];
  /** Expiry to apply when earlier, or `null`. */
  readonly expiresAt: number | null;
  /** `false` turns delegation off. */
  readonly delegatable: boolean;
}

/** Reads `grant`'s parameters. */
export function parseGrantParams(value: unknown, actionLists: ActionLists): ParsedGrant {
  const issues: IssueList = [];
  const params = objectOrIssue(value, issues);
  // Each field read once, own fields only (see `ownField`).
  const actions = ownField(params, 'actions');
  if (Array.isArray(actions) && actions.length === 0) {
    issues.push({ path: 'actions', message: 'must name at least one action' });
  }
  const parsed: ParsedGrant = {
    scope: readString(ownField(params, 'scope'), 'scope', issues),
    resource: readString(ownField(params, 'resource'), 'resource', issues),
    actions: readActions(actions, actionLists, issues),
    constraints: parseConstraints(ownField(params, 'constraints'), 'constraints', issues),
    grantedBy: readString(ownField(params, 'grantedBy'), 'grantedBy', issues),
    grantedTo: readString(ownField(params, 'grantedTo'), 'grantedTo', issues),
    expiresAt: readOptionalTime(ownField(params, 'expiresAt'), 'expiresAt', issues),
    delegatable: readBoolean(ownField(params, 'delegatable'), 'delegatable', issues, false),
  };
  throwIfIssues(issues, 'capability grant');
  return parsed;
}

/**
 * Normalized, frozen action lists by their content. Grants share equal lists: there are few
 * distinct ones, and sharing them saves a copy per grant and the memory it would keep. They are
 * found through a tree with one action per level, which tells lists apart exactly (as
 * `["a,b"]` and `["a", "b"]`) and, unlike a key built from the list, allocates nothing.
 */
export class ActionLists {
  /** The shared list for the actions that lead from the root to this node, if any. */
  private list: readonly string[] | undefined = undefined;
  private readonly longer = new Map<string, ActionLists>();

  /** The shared list with the same actions in the same order, if there is one. */
  find(actions: readonly unknown[]): readonly string[] | undefined {
    let node: ActionLists | undefined = this;
    for (let index = 0; index < actions.length && node !== undefined; index++) {
      const action = ownField(actions, index);
      node = typeof action === 'string' ? node.longer.get(action) : undefined;
    }
    return node?.list;
  }

  /** Shares `list`, the normalized form of `actions` (a non-empty list). */
  share(actions: readonly string[], list: readonly string[]): void {
    let node: ActionLists = this;
    for (const action of actions) {
      let next = node.longer.get(action);
      if (next === undefined) {
        next = new ActionLists();
        node.longer.set(action, next);
      }
      node = next;
    }
    node.list = list;
  }
}

function readActions(value: unknown, actionLists: ActionLists, issues: IssueList): readonly string[] {
  const shared = Array.isArray(value) && value.length > 0 ? actionLists.find(value) : undefined;
  if (shared !== undefined) return shared;
  const before = issues.length;
  const actions = readStringArray(value, 'actions', issues);
  const normalized = normalizeActions(actions);
  if (issues.length === before && actions.length > 0) actionLists.share(actions, normalized);
  return normalized;
}

/** Reads restrictions; absent restrictions restrict nothing. */
export function parseRestrictions(value: unknown): ParsedRestrictions {
  const issues: IssueList = [];
  const restrictions = value === undefined ? NOTHING_GIVEN : objectOrIssue(value, issues);
  const actions = ownField(restrictions, 'actions');
  const parsed: ParsedRestrictions = {
    actions: actions === undefined ? undefined : normalizeActions(readStringArray(actions, 'actions', issues)),
    constraints: parseConstraints(ownField(restrictions, 'constraints'), 'constraints', issues),
    expiresAt: readOptionalTime(ownField(restrictions, 'expiresAt'), 'expiresAt', issues),
    delegatable: readBoolean(ownField(restrictions, 'delegatable'), 'delegatable', issues, true),
  };
  throwIfIssues(issues, 'capability restrictions');
  return parsed;
}

/** Reads an attestation given to `attest`. */
export function parseAttestationInput(value: unknown): {
  attesterId: string;
  claim: string;
  evidence: string | null;
  signature: string | null;
} {
  const issues: IssueList = [];
  const input = objectOrIssue(value, issues);
  const parsed = {
    attesterId: readString(ownField(input, 'attesterId'), 'attesterId', issues),
    claim: readString(ownField(input, 'claim'), 'claim', issues),
    evidence: readOptionalString(ownField(input, 'evidence'), 'evidence', issues),
    signature: readOptionalString(ownField(input, 'signature'), 'signature', issues),
  };
  throwIfIssues(issues, 'attestation');
  return parsed;
}

/** Reads the id out of a capability reference (an id string or an object with `id`). */
export function referenceId(reference: unknown, what: string): string {
  const id = typeof reference === 'string' ? reference : ownProperty(reference, 'id');
  const issues: IssueList = [];
  readString(id, what, issues);
  throwIfIssues(issues, what);
  return id as string;
}

/** Reads a non-empty string argument such as an agent id. */
export function parseNonEmptyString(value: unknown, what: string): string {
  const issues: IssueList = [];
  readString(value, what, issues);
  throwIfIssues(issues, what);
  return value as string;
}

/** Reads the optional reason and actor of `revoke` and `expire`. */
export function parseLifecycleInput(
  reason: unknown,
  options: unknown,
): { reason: string | null; actor: string | null } {
  const issues: IssueList = [];
  const settings = options === undefined ? NOTHING_GIVEN : objectOrIssue(options, issues);
  const parsed = {
    reason: readOptionalString(reason, 'reason', issues),
    actor: readOptionalString(ownField(settings, 'actor'), 'actor', issues),
  };
  throwIfIssues(issues, 'revocation or expiry');
  return parsed;
}

/**
 * The caller's object, to be read with {@link ownField} (own fields only: a field it never set,
 * such as `delegatable`, reads as absent even when some other library has set it on
 * `Object.prototype`); an empty object and an issue when it is not a plain object.
 */
function objectOrIssue(value: unknown, issues: IssueList): object {
  if (isPlainObject(value)) return value;
  issues.push({ path: '', message: 'must be an object' });
  return NOTHING_GIVEN;
}

/** An input with no fields. */
const NOTHING_GIVEN: object = Object.freeze({});
