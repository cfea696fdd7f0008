/**
 * `@warden/gateway`: routes untrusted requests through gateway sessions, forward rules, rate
 * limits and approval.
 *
 * @packageDocumentation
 */
export {
  approveAndExecute,
  approveRequest,
  canForwardTo,
  configureDefaultGateway,
  findGatewayForSource,
  forwardRequest,
  getDefaultGateway,
  getForwardRules,
  getPendingRequests,
  isGateway,
  queueForApproval,
  rejectRequest,
  requiresGateway,
  routeThroughGateway,
  setDefaultGateway,
} from './default-gateway.js';
export { createGateway, ROUTED_MESSAGE_ACTION } from './gateway.js';
export type {
  ForwardOptions,
  ForwardRequest,
  ForwardRequestInput,
  ForwardRequestStatus,
  ForwardResult,
  Gateway,
  GatewayConfig,
  GatewayQueueLimits,
  InjectFunction,
  InjectOptions,
  PendingRequestPage,
  PendingRequestQuery,
} from './gateway-types.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiter,
  type MemoryRateLimiterConfig,
} from './memory-rate-limiter.js';
