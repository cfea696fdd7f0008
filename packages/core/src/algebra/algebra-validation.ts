/**
 * Validation of what callers pass to the algebra's operations. Each parser returns frozen copies
 * (later changes to the caller's objects cannot reach the algebra) or throws
 * `InvalidInputError` naming every field at fault, before anything changes.
 *
 * @module
 */
import { parseConstraints } from './algebra-constraints.js';
import {
  type IssueList,
  isPlainObject,
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
  if (Array.isArray(params.actions) && params.actions.length === 0) {
    issues.push({ path: 'actions', message: 'must name at least one action' });
  }
  const parsed: ParsedGrant = {
    scope: readString(params.scope, 'scope', issues),
    resource: readString(params.resource, 'resource', issues),
    actions: readActions(params.actions, actionLists, issues),
    constraints: parseConstraints(params.constraints, 'constraints', issues),
    grantedBy: readString(params.grantedBy, 'grantedBy', issues),
    grantedTo: readString(params.grantedTo, 'grantedTo', issues),
    expiresAt: readOptionalTime(params.expiresAt, 'expiresAt', issues),
    delegatable: readBoolean(params.delegatable, 'delegatable', issues, false),
  };
  throwIfIssues(issues, 'capability grant');
  return parsed;
}

/**
 * Normalized, frozen action lists by their content. Grants share equal lists: there are few
 * distinct ones, and sharing them saves a copy per grant and the memory it would keep.
 */
export type ActionLists = Map<string, readonly string[]>;

function readActions(value: unknown, actionLists: ActionLists, issues: IssueList): readonly string[] {
  // JSON keeps apart lists that a plain join would not (["a\u0000b"] and ["a", "b"]).
  const isList = Array.isArray(value) && value.every((action) => typeof action === 'string');
  const key = isList ? JSON.stringify(value) : undefined;
  const shared = key === undefined ? undefined : actionLists.get(key);
  if (shared !== undefined) return shared;
  const before = issues.length;
  const actions = normalizeActions(readStringArray(value, 'actions', issues));
  if (key !== undefined && issues.length === before) actionLists.set(key, actions);
  return actions;
}

/** Reads restrictions; absent restrictions restrict nothing. */
export function parseRestrictions(value: unknown): ParsedRestrictions {
  const issues: IssueList = [];
  const restrictions = value === undefined ? {} : objectOrIssue(value, issues);
  const parsed: ParsedRestrictions = {
    actions:
      restrictions.actions === undefined
        ? undefined
        : normalizeActions(readStringArray(restrictions.actions, 'actions', issues)),
    constraints: parseConstraints(restrictions.constraints, 'constraints', issues),
    expiresAt: readOptionalTime(restrictions.expiresAt, 'expiresAt', issues),
    delegatable: readBoolean(restrictions.delegatable, 'delegatable', issues, true),
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
    attesterId: readString(input.attesterId, 'attesterId', issues),
    claim: readString(input.claim, 'claim', issues),
    evidence: readOptionalString(input.evidence, 'evidence', issues),
    signature: readOptionalString(input.signature, 'signature', issues),
  };
  throwIfIssues(issues, 'attestation');
  return parsed;
}

/** Reads the id out of a capability reference (an id string or an object with `id`). */
export function referenceId(reference: unknown, what: string): string {
  const id = typeof reference === 'string' ? reference : isObject(reference) ? reference.id : undefined;
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
  const settings = options === undefined ? {} : objectOrIssue(options, issues);
  const parsed = {
    reason: readOptionalString(reason, 'reason', issues),
    actor: readOptionalString(settings.actor, 'actor', issues),
  };
  throwIfIssues(issues, 'revocation or expiry');
  return parsed;
}

function objectOrIssue(value: unknown, issues: IssueList): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  issues.push({ path: '', message: 'must be an object' });
  return {};
}

function isObject(value: unknown): value is { id?: unknown } {
  return typeof value === 'object' && value !== null;
}
