import {
  AccessDeniedError,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  BackendUnavailableError,
  CapabilityUnsupportedError,
  type InjectionSource,
  KillSwitchActiveError,
  QuotaExceededError,
  RateLimitedError,
  WardenError,
} from '@warden/core';
import type { ForwardRequest, ForwardResult, InjectFunction } from '@warden/gateway';
import { type AgentRequest, actionTypeOf, decodeAgentRequest, encodeAgentRequest } from './agent-request.js';
import type { HostContext } from './host-context.js';
import { type RunReport, runInSandbox } from './sandbox-run.js';

/** What a session did with a delivered message. */
interface Delivery {
  /** Who the session saw: type, trust and delegated capabilities. */
  source: { type: string; trustLevel: string; grantedCapabilities?: readonly string[] };
  /** The tools the agent was offered for this message (the toolbox filtered by policy). */
  tools: string[];
  /** What the agent answered when no tool was used. */
  reply?: string;
  /** The tool run, when a tool was used. */
  run?: RunReport;
}

/** The outcome of a message: done now, or waiting for an operator. */
export type MessageOutcome =
  | ({ status: 'completed'; route: 'direct' | 'gateway'; session: string; gateway?: string } & Delivery)
  | { status: 'pending-approval'; route: 'gateway'; session: string; gateway: string; requestId: string };

/**
 * Step 2: the kill switch, failing closed. A switch that cannot be read counts as active.
 *
 * @throws {@link KillSwitchActiveError} when it is active or unreadable.
 */
export async function assertKillSwitchReleased(
  host: HostContext,
  source: InjectionSource,
  session?: string,
): Promise<void> {
  let reason: string | undefined;
  try {
    if (!(await host.backends.killSwitch.isActive())) return;
    reason = (await host.backends.killSwitch.getReason()) ?? 'no reason given';
  } catch {
    reason = 'the kill switch could not be read, so the host fails closed';
  }
  host.events.emit({
    type: 'access_denied',
    source,
    ...(session === undefined ? {} : { session }),
    details: { step: 'kill-switch', reason },
  });
  throw new KillSwitchActiveError({ reason });
}

/**
 * Steps 2–5 for one message: the kill switch; session access, or a gateway route for a source
 * that may not reach the session directly (queued for approval where its rules say so); then
 * delivery (capability and tool checks, sandboxed run).
 *
 * @throws {@link KillSwitchActiveError}, {@link AccessDeniedError} (no access and no gateway,
 * a blocked tool, a refused forward), `CapabilityUnsupportedError` (a permitted tool this host
 * does not run), and whatever a backend throws.
 */
export async function handleMessage(
  host: HostContext,
  source: InjectionSource,
  session: string,
  request: AgentRequest,
): Promise<MessageOutcome> {
  await assertKillSwitchReleased(host, source, session);
  // Derived from the tool, whatever the client claims: a claim that does not match is refused.
  const actionType = actionTypeOf(request);
  const access = host.engine.checkSessionAccess(source, session);
  if (access.allowed) {
    return { status: 'completed', route: 'direct', session, ...(await deliver(host, source, session, request)) };
  }
  const gateway = access.requiresGateway ? host.gateway.findGatewayForSource(source, session) : null;
  if (gateway === null) throw new AccessDeniedError({ message: access.reason ?? `No access to session ${session}` });
  const capture = capturingInject(host);
  const result = await host.gateway.forwardRequest(gateway, session, encodeAgentRequest(request), source, {
    actionType,
    injectFn: capture.inject,
  });
  if (result.requiresApproval) {
    return { status: 'pending-approval', route: 'gateway', session, gateway, requestId: result.requestId };
  }
  const delivered = deliveredOrThrow(result, capture.error());
  return { status: 'completed', route: 'gateway', session, gateway, ...delivered };
}

/**
 * Step 4 and 5 for a message that reached its session: the source must hold `inject`; the
 * requested tool must pass the tool policy (deny lists, allow lists and its capability, which
 * may come from a delegated grant); the toolbox is filtered for the agent; `Bash` runs in the
 * sandbox.
 */
async function deliver(
  host: HostContext,
  source: InjectionSource,
  session: string,
  request: AgentRequest,
): Promise<Delivery> {
  const inject = host.engine.checkCapability(source, session, 'inject');
  if (!inject.allowed) throw new AccessDeniedError({ message: inject.reason ?? 'inject not granted' });
  if (request.tool !== undefined) {
    const toolCheck = host.engine.checkToolAccess(source, session, request.tool);
    if (!toolCheck.allowed)
      throw new AccessDeniedError({ message: `Tool ${request.tool} is blocked: ${toolCheck.reason}` });
  }
  const tools = host.engine.filterToolsByPolicy(host.config.toolbox, source, session);
  const seen = {
    type: source.type,
    trustLevel: source.trustLevel,
    ...(source.grantedCapabilities ? { grantedCapabilities: source.grantedCapabilities } : {}),
  };
  if (request.tool === undefined) return { source: seen, tools, reply: `Session ${session} received the message` };
  if (request.tool !== 'Bash' || request.command === undefined) {
    throw new CapabilityUnsupportedError({
      message: `Tool ${request.tool} is allowed, but this example host runs only Bash`,
    });
  }
  return { source: seen, tools, run: await runInSandbox(host, source, session, request.command) };
}

/** An inject function for the gateway that delivers through {@link deliver} and keeps the typed error of a refusal. */
function capturingInject(host: HostContext): { inject: InjectFunction; error: () => unknown } {
  let failure: unknown;
  return {
    async inject(targetSession, message, options) {
      try {
        return await deliver(host, options.source, targetSession, decodeAgentRequest(message));
      } catch (error) {
        failure = error;
        throw error;
      }
    },
    error: () => failure,
  };
}

function deliveredOrThrow(result: ForwardResult, deliveryError: unknown): Delivery {
  if (result.success) return JSON.parse(result.response ?? '{}') as Delivery;
  if (deliveryError !== undefined) throw deliveryError;
  throw refusalError(result);
}

/**
 * The typed error for a gateway refusal, chosen by its stable `code` (never by its text). A
 * refusal without a code is treated as access denied: the host fails closed.
 */
function refusalError(result: ForwardResult): WardenError {
  const message = result.error ?? 'The gateway refused the request';
  switch (result.code) {
    case 'KILL_SWITCH_ACTIVE':
      return new KillSwitchActiveError({ message });
    case 'RATE_LIMITED':
      return new RateLimitedError({ message });
    case 'QUOTA_EXCEEDED':
      return new QuotaExceededError({ message });
    case 'BACKEND_UNAVAILABLE':
      return new BackendUnavailableError({ backend: 'gateway', message });
    case 'ACCESS_DENIED':
    case undefined:
      return new AccessDeniedError({ message });
    default:
      return new WardenError({ code: result.code, message });
  }
}

/** What an operator's approval led to. */
export type ApprovalOutcome =
  | ({ status: 'completed'; requestId: string; approvedBy: string[] } & Delivery)
  | { status: 'pending-approval'; requestId: string; approvedBy: string[] };

/**
 * An operator approves a gateway request: the approval is recorded (typed errors for an unknown,
 * decided or self-approved request), and once the quorum is met the gateway re-checks the kill
 * switch, the policy and its rate limit and delivers it — at most once. A delivery refused at
 * that moment leaves the request approved; approving again retries it.
 */
export async function approveAndRun(host: HostContext, requestId: string, approver: string): Promise<ApprovalOutcome> {
  let request = await requireRequest(host, requestId);
  if (request.status === 'pending')
    request = (await host.gateway.approveRequest(requestId, approver)) ?? (await requireRequest(host, requestId));
  if (request.status === 'pending') return { status: 'pending-approval', requestId, approvedBy: request.approvedBy };
  if (request.status !== 'approved') throw new ApprovalNotPendingError({ id: requestId, status: request.status });
  const capture = capturingInject(host);
  const result = await host.gateway.approveAndExecute(requestId, approver, capture.inject);
  const delivered = deliveredOrThrow(result, capture.error());
  return { status: 'completed', requestId, approvedBy: request.approvedBy, ...delivered };
}

/** An operator rejects a gateway request; the reason is kept. */
export async function rejectRequest(
  host: HostContext,
  requestId: string,
  approver: string,
  reason: string,
): Promise<ForwardRequest> {
  const request = await requireRequest(host, requestId);
  if (request.status !== 'pending') throw new ApprovalNotPendingError({ id: requestId, status: request.status });
  return (await host.gateway.rejectRequest(requestId, approver, reason)) ?? requireRequest(host, requestId);
}

/** A gateway request by id. @throws {@link ApprovalNotFoundError} when there is none. */
export async function requireRequest(host: HostContext, requestId: string): Promise<ForwardRequest> {
  const request = await host.gateway.getRequest(requestId);
  if (request === null) throw new ApprovalNotFoundError({ id: requestId });
  return request;
}
