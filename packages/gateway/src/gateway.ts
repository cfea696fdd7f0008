import { randomUUID } from 'node:crypto';
import { copySource, isPlainLine, parseInput } from '@warden/core';
import { evaluateSessionAccess } from '@warden/core/policy';
import { z } from 'zod';
import {
  approveAndExecute,
  approveRequest,
  fileForApproval,
  getPendingRequests,
  getRequest,
  listPendingRequests,
  queueForApproval,
  rejectRequest,
} from './gateway-approvals.js';
import { createGatewayContext, type GatewayContext } from './gateway-context.js';
import {
  block,
  type Delivery,
  deliver,
  isRefusal,
  refusal,
  refusalBeforeDelivery,
  workflowFailure,
} from './gateway-delivery.js';
import { rulesAllowTarget } from './gateway-forward-checks.js';
import type { ForwardOptions, ForwardResult, Gateway, GatewayConfig } from './gateway-types.js';

/**
 * Session names and action types end up in what approvers read (the approval request's
 * description, refusal texts, events). Control characters (C0, DEL, C1) and line separators
 * there would let a peer rewrite a console line (`chat\u001b[2K\r…`) or add lines of its own,
 * and a bidirectional control (`chat` U+202E) reorders the rest of the description, which names
 * the sender, the gateway and the target.
 */
/** The action type of a message `routeThroughGateway` delivers (what runs is the message's delivery). */
export const ROUTED_MESSAGE_ACTION = 'message';

const printable = (schema: z.ZodString): z.ZodString =>
  schema.refine(isPlainLine, 'must not contain control characters, line separators or bidirectional controls');
const sessionName = printable(z.string().min(1).max(256));
const message = z.string().max(1_000_000);
const actionType = printable(z.string().min(1).max(256));
const forwardSchema = z.object({
  gatewaySession: sessionName,
  targetSession: sessionName,
  message,
  options: z
    .object({
      actionType: actionType.optional(),
      skipApproval: z.boolean().optional(),
      injectFn: z.custom<NonNullable<ForwardOptions['injectFn']>>((value) => typeof value === 'function').optional(),
    })
    .strict(),
});
/**
 * `queueForApproval` is public, so a caller may hand it a peer's fields unchecked: a number as
 * the message (which crashed the size check with a `TypeError`) or an action type of any size
 * or type (which the queue's byte bound never counted). The same bounds as `forwardRequest`.
 */
const queueInputSchema = z.object({
  gatewaySession: sessionName,
  targetSession: sessionName,
  message,
  actionType: actionType.optional(),
});

/**
 * Creates a gateway: the seed's gateway functions over one security engine (forward rules and
 * session access come from its `SecurityConfig`), one approval workflow, one rate limiter and
 * an optional kill switch. Synchronous, no I/O, no timers.
 *
 * @example
 * const gateway = createGateway({ engine, workflow: createApprovalWorkflow(), inject });
 * const result = await gateway.routeThroughGateway(peerSource, 'code-assistant', 'hello');
 * @throws `InvalidInputError` for invalid config, naming the field;
 * `UnsupportedSpecificationError` for a port of another version.
 */
export function createGateway(config: GatewayConfig): Gateway {
  const context = createGatewayContext(config);
  const gateway: Gateway = {
    isGateway: (sessionName) => context.engine().isGateway(sessionName),
    getForwardRules: (sessionName) => context.engine().getGatewayRules(sessionName),
    canForwardTo(gatewaySession, targetSession) {
      const rules = context.engine().getGatewayRules(gatewaySession);
      return rules !== null && rulesAllowTarget(rules, gatewaySession, targetSession);
    },
    forwardRequest: (gatewaySession, targetSession, message, originalSource, options = {}) =>
      forwardRequest(context, { gatewaySession, targetSession, message, originalSource }, options),
    async routeThroughGateway(untrustedSource, targetSession, message, injectFn) {
      // One read of the caller's object: routed, described and delivered as the sender it was checked as.
      const source = copySource(untrustedSource);
      if (!gateway.requiresGateway(source, targetSession)) return null;
      const gatewaySession = gateway.findGatewayForSource(source, targetSession);
      if (gatewaySession === null) {
        const delivery = {
          requestId: newRequestId(),
          gatewaySession: '',
          targetSession,
          message,
          originalSource: source,
        };
        return block(context, delivery, refusal('ACCESS_DENIED', 'No gateway available'));
      }
      // What runs is the message's delivery, so its action type is `message`: a gateway whose
      // `allowActions` lists it passes routed messages, one that lists only other actions refuses
      // them (without an action type, every routed message failed such a filter).
      const options = { actionType: ROUTED_MESSAGE_ACTION, ...(injectFn ? { injectFn } : {}) };
      return gateway.forwardRequest(gatewaySession, targetSession, message, source, options);
    },
    requiresGateway(source, targetSession) {
      const sender = copySource(source);
      const engine = context.engine();
      const config = engine.getConfig();
      return config.enforcement === 'enforce' && !evaluateSessionAccess(config, sender, targetSession).allowed;
    },
    findGatewayForSource: (source, requestedSession) => context.engine().findGatewayForSource(source, requestedSession),
    queueForApproval: async (request) => {
      const parsed = parseInput(queueInputSchema, request, 'gateway request');
      const originalSource = copySource(request.originalSource);
      return queueForApproval(context, { ...parsed, originalSource });
    },
    approveRequest: (requestId, approver) => approveRequest(context, requestId, approver),
    rejectRequest: (requestId, approver, reason) => rejectRequest(context, requestId, approver, reason),
    getPendingRequests: (gatewaySession) => getPendingRequests(context, gatewaySession),
    listPendingRequests: (query) => listPendingRequests(context, query),
    getRequest: (requestId) => getRequest(context, requestId),
    approveAndExecute: (requestId, approver, injectFn) => approveAndExecute(context, requestId, approver, injectFn),
  };
  return gateway;
}

/**
 * Forwards one message: refuses (with a `gateway_blocked` event) what the kill switch or a
 * forward rule forbids; queues it when the gateway requires approval; otherwise delivers it now.
 */
async function forwardRequest(
  context: GatewayContext,
  request: Omit<Delivery, 'requestId'>,
  options: ForwardOptions,
): Promise<ForwardResult> {
  const { gatewaySession, targetSession, message } = request;
  parseInput(forwardSchema, { gatewaySession, targetSession, message, options }, 'forward request');
  // Read once: every check, count, record and delivery below is about this copy of the sender.
  const originalSource = copySource(request.originalSource);
  const delivery: Delivery = {
    gatewaySession,
    targetSession,
    message,
    originalSource,
    requestId: newRequestId(),
    actionType: options.actionType,
  };
  const check = await refusalBeforeDelivery(context, delivery);
  if (isRefusal(check)) return block(context, delivery, check);
  if (options.skipApproval === true && !context.allowSkipApproval) {
    const reason = 'skipApproval is refused: create the gateway with allowSkipApproval to honour it';
    return block(context, delivery, refusal('ACCESS_DENIED', reason));
  }
  if (check.rules.requireApproval && options.skipApproval !== true) {
    if (!context.workflow) {
      const reason = 'Approval is required but no approval workflow is configured';
      return block(context, delivery, refusal('BACKEND_UNAVAILABLE', reason));
    }
    try {
      const input = { gatewaySession, targetSession, message, originalSource };
      const queued = await fileForApproval(context, { ...input, ...optionalAction(options.actionType) });
      return { success: false, requiresApproval: true, requestId: queued.id };
    } catch (error) {
      // A full queue, a rate, a policy changed since the check above, or a workflow that is down
      // (its Redis gone): each is a refusal with its code and a gateway_blocked event, never an
      // exception that skips the event and reaches the caller as an untyped error.
      return block(context, delivery, workflowFailure(error));
    }
  }
  return (await deliver(context, delivery, options.injectFn)).result;
}

function optionalAction(actionType: string | undefined): { actionType?: string } {
  return actionType === undefined ? {} : { actionType };
}

function newRequestId(): string {
  return `fwd_${randomUUID()}`;
}
