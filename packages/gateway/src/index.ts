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
export { createGateway } from './gateway.js';
export { forwardedSourceOf } from './gateway-forward-checks.js';
export type {
  ForwardOptions,
  ForwardRequest,
  ForwardRequestInput,
  ForwardRequestStatus,
  ForwardResult,
  Gateway,
  GatewayQueueLimits,
  GatewaySettings,
  InjectFunction,
  InjectOptions,
  PendingRequestPage,
  PendingRequestQuery,
} from './gateway-types.js';
export {
  createMemoryRateLimiter,
  type MemoryRateLimiter,
  type MemoryRateLimiterOptions,
} from './memory-rate-limiter.js';
