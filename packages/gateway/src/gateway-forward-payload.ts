import type { ApprovalRecord, InjectionSource } from '@warden/core';
import { describeSource } from './gateway-forward-checks.js';
import type { ForwardRequest } from './gateway-types.js';

/** Marks approval payloads that are gateway forwards, so other requests in a shared workflow are ignored. */
export const FORWARD_PAYLOAD_KIND = 'warden.gateway-forward';

/** What is stored in the approval request: exactly what will be delivered, bound by its digest. */
export interface ForwardPayload {
  /** Always {@link FORWARD_PAYLOAD_KIND}. */
  kind: typeof FORWARD_PAYLOAD_KIND;
  /** The gateway session. */
  gatewaySession: string;
  /** The target session. */
  targetSession: string;
  /** The message. */
  message: string;
  /** Who sent it. */
  originalSource: InjectionSource;
  /** Who the target will see. */
  forwardedSource: InjectionSource;
  /** Its action type, if any. */
  actionType?: string;
}

/**
 * Reads a forward back from an approval record; `undefined` when the record is not a gateway
 * forward. A workflow may be shared, and anyone who may file requests in it can give a payload
 * the forward's shape: only a record whose requester is the sender the gateway files it under
 * ({@link describeSource} of its original source) is taken for one. Otherwise an agent filing
 * `{ kind: 'warden.gateway-forward', … }` under its own name had its message listed as a
 * peer's, delivered through the gateway on approval, and past every queue bound and rate.
 */
export function forwardPayloadOf(record: ApprovalRecord): ForwardPayload | undefined {
  const payload = record.payload as Partial<ForwardPayload> | undefined;
  if (typeof payload !== 'object' || payload === null || payload.kind !== FORWARD_PAYLOAD_KIND) return undefined;
  const strings = [payload.gatewaySession, payload.targetSession, payload.message];
  if (!strings.every((value) => typeof value === 'string')) return undefined;
  if (!isSourceLike(payload.originalSource) || !isSourceLike(payload.forwardedSource)) return undefined;
  if (record.requester !== describeSource(payload.originalSource)) return undefined;
  return payload as ForwardPayload;
}

function isSourceLike(value: unknown): value is InjectionSource {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** The seed's `ForwardRequest` view of an approval record and its forward payload. */
export function forwardRequestOf(record: ApprovalRecord, payload: ForwardPayload): ForwardRequest {
  const request: ForwardRequest = {
    id: record.id,
    gatewaySession: payload.gatewaySession,
    targetSession: payload.targetSession,
    message: payload.message,
    originalSource: payload.originalSource,
    forwardedSource: payload.forwardedSource,
    createdAt: record.createdAt,
    status: record.status,
    approvedBy: record.decisions
      .filter((decision) => decision.decision === 'approve')
      .map((decision) => decision.approver),
  };
  if (payload.actionType !== undefined) request.actionType = payload.actionType;
  if (record.decidedBy !== undefined) request.decidedBy = record.decidedBy;
  if (record.reason !== undefined) request.reason = record.reason;
  return request;
}
