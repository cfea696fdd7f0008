/**
 * Outcome codes of a capability check and the frozen results they map to. A denial is reported by
 * the closest reason among the candidates (a constraint failure is closer than a missing action),
 * and every denial result is built once, so a denied check allocates nothing.
 *
 * @module
 */
import {
  CONSTRAINT_FAILURE_BASE,
  CONSTRAINT_FAILURE_END,
  constraintFailureReason,
  SATISFIED,
} from './algebra-constraints.js';
import type { AlgebraCapability, AlgebraCheckResult, CapabilityConstraint } from './algebra-types.js';

/** The capability allows the request. */
export const ALLOWED: number = SATISFIED;
/** The agent holds no capability at all. */
export const DENIED_NO_CAPABILITIES = 1;
/** No capability of the agent covers this scope and resource. */
export const DENIED_NO_MATCH = 2;
/** Capabilities cover the scope and resource but not the action. */
export const DENIED_ACTION = 3;
/** The covering capability is revoked. */
export const DENIED_REVOKED = 4;
/** The covering capability has expired. */
export const DENIED_EXPIRED = 5;
/** The algebra's clock returned NaN or an infinite time: nothing is allowed (fail closed). */
export const DENIED_CLOCK = 6;

const REASONS: Readonly<Record<number, string>> = {
  [DENIED_NO_CAPABILITIES]: 'The agent holds no capabilities',
  [DENIED_NO_MATCH]: 'No capability of the agent covers this scope and resource',
  [DENIED_ACTION]: 'No capability covering this scope and resource allows this action',
  [DENIED_REVOKED]: 'The covering capability is revoked',
  [DENIED_EXPIRED]: 'The covering capability has expired',
  [DENIED_CLOCK]: 'The capability algebra clock returned a time that is not a finite number',
};

const EMPTY: readonly never[] = Object.freeze([]);

function denial(reason: string): AlgebraCheckResult {
  return Object.freeze({ allowed: false, capabilities: EMPTY, reason, constraints: EMPTY });
}

const DENIALS: readonly AlgebraCheckResult[] = Object.freeze(
  Array.from({ length: CONSTRAINT_FAILURE_END }, (_, code) =>
    denial(code >= CONSTRAINT_FAILURE_BASE ? constraintFailureReason(code) : (REASONS[code] ?? 'Denied')),
  ),
);

/** The shared, frozen result for a denial code. */
export function deniedResult(code: number): AlgebraCheckResult {
  return DENIALS[code] ?? denial('Denied');
}

/** Builds the (frozen) result for the capabilities that allow a request. */
export function allowedResult(capabilities: readonly AlgebraCapability[]): AlgebraCheckResult {
  const constraints: CapabilityConstraint[] = [];
  // One by one: a capability's constraints spread into push() overflow the stack past ~120,000.
  for (const capability of capabilities) for (const constraint of capability.constraints) constraints.push(constraint);
  const ids = capabilities.map((capability) => capability.id).join(', ');
  return Object.freeze({
    allowed: true,
    capabilities: Object.freeze([...capabilities]),
    reason: capabilities.length === 1 ? `Allowed by capability ${ids}` : `Allowed by capabilities ${ids}`,
    constraints: Object.freeze(constraints),
  });
}

/** The (frozen) result for a request allowed by exactly one capability. */
export function allowedByOne(capability: AlgebraCapability): AlgebraCheckResult {
  return Object.freeze({
    allowed: true,
    capabilities: Object.freeze([capability]),
    reason: `Allowed by capability ${capability.id}`,
    constraints: capability.constraints,
  });
}
