import { createHash } from 'node:crypto';
import {
  compareTrustLevel,
  type GatewayForwardRules,
  type InjectionSource,
  type SecurityEngine,
  type TrustLevel,
  withoutBidiOverrides,
  withoutControlCharacters,
} from '@warden/core';
import { approvalIdentityKey } from '@warden/core/approval';
import { compileGlobList } from '@warden/core/policy';

/** What a forward is checked on. */
export interface ForwardCheckInput {
  /** The gateway session. */
  gatewaySession: string;
  /** The target session. */
  targetSession: string;
  /** Who sent the request. */
  originalSource: InjectionSource;
  /** Its action type, if any. */
  actionType?: string | undefined;
}

/** The verdict on a forward: refused with a reason, or allowed with the source the target will see. */
export type ForwardCheck =
  | { allowed: true; forwardedSource: InjectionSource; rules: GatewayForwardRules }
  | { allowed: false; reason: string };

/** True when `rules` let `gatewaySession` forward to `targetSession` (never to itself). */
export function rulesAllowTarget(rules: GatewayForwardRules, gatewaySession: string, targetSession: string): boolean {
  return targetSession !== gatewaySession && compileGlobList(rules.allowForwardTo).matches(targetSession);
}

/**
 * Checks every forward rule, in order: the session is a gateway; its rules allow the target and
 * the action type (a request without one does not pass an `allowActions` list); the sender may
 * reach the gateway and holds `cross.inject` there; and the target admits the forwarded source.
 */
export function checkForward(
  engine: SecurityEngine,
  input: ForwardCheckInput,
  gatewayTrustLevel: TrustLevel,
): ForwardCheck {
  const { gatewaySession, targetSession, originalSource, actionType } = input;
  const rules = engine.getGatewayRules(gatewaySession);
  if (!rules) return refuse(`Session ${gatewaySession} is not a gateway`);
  if (!rulesAllowTarget(rules, gatewaySession, targetSession)) {
    return refuse(`Gateway ${gatewaySession} may not forward to ${targetSession}`);
  }
  if (rules.allowActions !== undefined) {
    if (actionType === undefined)
      return refuse(`Gateway ${gatewaySession} forwards only listed action types; none given`);
    if (!compileGlobList(rules.allowActions).matches(actionType)) {
      return refuse(`Gateway ${gatewaySession} does not forward action type ${actionType}`);
    }
  }
  const gatewayAccess = engine.checkSessionAccess(originalSource, gatewaySession);
  if (!gatewayAccess.allowed) return refuse(gatewayAccess.reason ?? `Source may not reach gateway ${gatewaySession}`);
  const crossInject = engine.checkCapability(originalSource, gatewaySession, 'cross.inject');
  if (!crossInject.allowed) return refuse(crossInject.reason ?? `Source lacks cross.inject in ${gatewaySession}`);
  const forwardedSource = forwardedSourceOf(originalSource, gatewaySession, gatewayTrustLevel);
  const targetAccess = engine.checkSessionAccess(forwardedSource, targetSession);
  if (!targetAccess.allowed) {
    return refuse(targetAccess.reason ?? `Session ${targetSession} does not admit requests from ${gatewaySession}`);
  }
  return { allowed: true, forwardedSource, rules };
}

/**
 * The source a target sees: type `gateway`, the original identity with `gatewaySession` set to
 * the real gateway (overwriting any claimed one), and the lower of the original trust and the
 * gateway's. Capabilities granted to the original source are not carried over.
 */
function forwardedSourceOf(
  originalSource: InjectionSource,
  gatewaySession: string,
  gatewayTrustLevel: TrustLevel,
): InjectionSource {
  const trustLevel =
    compareTrustLevel(originalSource.trustLevel, gatewayTrustLevel) <= 0
      ? originalSource.trustLevel
      : gatewayTrustLevel;
  const forwarded: InjectionSource = {
    type: 'gateway',
    trustLevel,
    identity: { ...originalSource.identity, gatewaySession },
  };
  if (originalSource.sessionId !== undefined) forwarded.sessionId = originalSource.sessionId;
  if (originalSource.timestamp !== undefined) forwarded.timestamp = originalSource.timestamp;
  return forwarded;
}

/** The name a source goes by: its public key, user id, plugin name or session, in that order. */
function senderName(source: InjectionSource): string {
  const identity = source.identity;
  return identity?.publicKey ?? identity?.userId ?? identity?.pluginName ?? source.sessionId ?? 'anonymous';
}

/**
 * The sender exactly, as one string, for what is bounded per source (its queue, its rate).
 * {@link describeSource} is made for showing: it drops control characters and cuts at 200
 * characters, so a peer could make keys that show as a victim's (whose key is public) and use up
 * the victim's queue and rate. JSON keeps every character, lone surrogate halves included.
 */
export function exactSenderKey(source: InjectionSource): string {
  return JSON.stringify([source.type, senderName(source)]);
}

/** The longest requester name the gateway files under. */
const MAX_REQUESTER_LENGTH = 200;
/** Characters of the sender's digest a name that had to be altered ends with. */
const DIGEST_LENGTH = 16;

/**
 * A name for the sender, used as the approval request's requester (who may then not approve it),
 * one per sender: `<type>:<key>` when that is readable, short and holds no `~`; otherwise the
 * readable part, cut to fit, then `~` and a digest of the exact sender. Without the digest, keys
 * made to show as another peer's (a control character added, or the same first 200 characters)
 * were filed under that peer's name and counted against its bounds in a store (`maxPendingPerRequester`).
 */
export function describeSource(source: InjectionSource): string {
  const exact = `${source.type}:${senderName(source)}`;
  // Control characters (C0, DEL and C1 such as the terminal's CSI) and line separators would
  // let a peer's self-made key rewrite how its request shows in a log or console, and so would a
  // bidirectional override, embedding or isolate (`p2p:` U+202E `ecila` shows as `p2p:alice`).
  // The approval workflow refuses such a requester name, which refused the peer's every request
  // as INVALID_INPUT: they are removed.
  const shown = withoutBidiOverrides(withoutControlCharacters(exact));
  if (shown === exact && shown.length <= MAX_REQUESTER_LENGTH && !/[~\p{Cs}]/u.test(shown)) return shown;
  const digest = createHash('sha256').update(exactSenderKey(source)).digest('base64url').slice(0, DIGEST_LENGTH);
  // Cut first, then make any surrogate half (a pair cut in two, or a broken key) U+FFFD.
  const readable = shown.slice(0, MAX_REQUESTER_LENGTH - DIGEST_LENGTH - 1).replace(/\p{Cs}/gu, '\ufffd');
  return `${readable}~${digest}`;
}

/**
 * True when `approver` is the sender of a request under any name its source carries: the
 * requester name the workflow knows (`api:alice`) and the plain identities behind it (`alice`,
 * a public key, a plugin name, the sending session), compared as the workflow compares people (Unicode NFKC,
 * invisible characters removed, trimmed, case-folded). The workflow only sees `api:alice`, so
 * without this an API user who is also an approver approved her own request as `alice`.
 */
export function isSender(source: InjectionSource, approver: unknown): boolean {
  if (typeof approver !== 'string') return false;
  const identity = source.identity;
  // sessionId too: without an identity it is the name behind the requester (`api:<sessionId>`).
  const names = [describeSource(source), identity?.userId, identity?.publicKey, identity?.pluginName, source.sessionId];
  const approverKey = approvalIdentityKey(approver);
  return names.some((name) => typeof name === 'string' && approvalIdentityKey(name) === approverKey);
}

function refuse(reason: string): ForwardCheck {
  return { allowed: false, reason };
}
