/**
 * Session access: who may inject into a session, from its `access` patterns, the global
 * `defaultAccess` and the `minTrustLevel` floor.
 *
 * @module
 */
import { InvalidInputError } from '../errors.js';
import { readSource } from '../source-validation.js';
import type { InjectionSource } from '../sources.js';
import { isTrustLevel, meetsTrustLevel } from '../trust.js';
import type { AccessPattern, SecurityConfig } from './config-schema.js';
import { matchGlob } from './glob.js';
import { sessionConfigOf } from './resolve.js';

/** The outcome of a policy evaluation before enforcement is applied. */
export interface PolicyVerdict {
  /** True when policy allows the request. */
  allowed: boolean;
  /** Why, when denied (and, for some allows, which rule applied). */
  reason?: string;
}

const EXPLICIT_KINDS = new Set(['type', 'p2p', 'session']);

/** True when `pattern` names sources explicitly (`type:`, `p2p:`, `session:`) rather than by trust. */
export function isExplicitPattern(pattern: AccessPattern): boolean {
  const colon = pattern.indexOf(':');
  return colon > 0 && EXPLICIT_KINDS.has(pattern.slice(0, colon));
}

/**
 * True when `source` matches one access pattern. Unknown kinds never match. `session:<gateway>`
 * matches only a source of type `gateway` (what a gateway builds when it forwards): an
 * `identity.gatewaySession` claimed by any other source (a peer's, say) proves nothing.
 */
export function matchesAccessPattern(source: InjectionSource, pattern: AccessPattern): boolean {
  if (pattern === '*') return true;
  const colon = pattern.indexOf(':');
  const kind = pattern.slice(0, colon);
  const value = pattern.slice(colon + 1);
  switch (kind) {
    case 'trust':
      return isTrustLevel(value) && meetsTrustLevel(source.trustLevel, value);
    case 'type':
      return source.type === value;
    case 'p2p':
      return (source.type === 'p2p' || source.type === 'p2p-discovery') && source.identity?.publicKey === value;
    case 'session': {
      const gateway = source.identity?.gatewaySession;
      return source.type === 'gateway' && gateway !== undefined && matchGlob(value, gateway);
    }
    default:
      return false;
  }
}

/**
 * Decides whether `source` may inject into `session`. Owners always may. A session's own
 * `access` list (or `defaultAccess` when it has none) must match; an empty list admits only
 * owners. The `minTrustLevel` floor applies unless the matching pattern names the source
 * explicitly.
 *
 * @throws `InvalidInputError` (`INVALID_INPUT`) for a source the engine would refuse (see
 * `assertSource`: not an object, an unknown or missing type or trust level, an inherited field or
 * a getter), or a session that is not a string: an identity inherited from a polluted prototype
 * must not match `p2p:<key>`. The source's fields are read once, and the decision is taken on
 * what was checked.
 */
export function evaluateSessionAccess(config: SecurityConfig, source: InjectionSource, session: string): PolicyVerdict {
  // Decide on the copy that was checked, so a source cannot pass the check as one thing and be
  // decided as another.
  const checked = readSource(source);
  if (typeof session !== 'string') {
    throw new InvalidInputError({
      message: 'session must be a string',
      issues: [{ path: 'session', message: 'must be a string' }],
    });
  }
  return sessionAccessVerdict(config, checked, session);
}

/** {@link evaluateSessionAccess} for a source and session already checked (the engine checks each once). */
export function sessionAccessVerdict(config: SecurityConfig, source: InjectionSource, session: string): PolicyVerdict {
  if (source.trustLevel === 'owner') return { allowed: true, reason: 'owner' };
  const patterns = sessionConfigOf(config, session)?.access ?? config.defaultAccess;
  const explicit = patterns.find((pattern) => isExplicitPattern(pattern) && matchesAccessPattern(source, pattern));
  if (explicit !== undefined) return { allowed: true, reason: `matched ${explicit}` };
  if (!meetsTrustLevel(source.trustLevel, config.minTrustLevel)) {
    return {
      allowed: false,
      reason: `Trust level '${source.trustLevel}' is below the minimum '${config.minTrustLevel}' for session ${session}`,
    };
  }
  const generic = patterns.find((pattern) => !isExplicitPattern(pattern) && matchesAccessPattern(source, pattern));
  if (generic !== undefined) return { allowed: true, reason: `matched ${generic}` };
  return {
    allowed: false,
    reason: `Source ${source.type} (${source.trustLevel}) does not match the access rules of session ${session}`,
  };
}
