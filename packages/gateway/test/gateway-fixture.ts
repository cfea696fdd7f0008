import { createApprovalWorkflow } from '@warden/approvals';
import {
  type ApprovalWorkflow,
  createSecurityEngine,
  createSecurityEventEmitter,
  type SecurityConfigInput,
  type SecurityEngine,
  type SecurityEvent,
} from '@warden/core';
import { createStubApprovalWorkflow, createStubKillSwitch, type StubKillSwitch } from '@warden/stubs';
import { createGateway } from '../src/gateway.js';
import type { Gateway, GatewayConfig, InjectFunction, InjectOptions } from '../src/gateway-types.js';

/** The gateway capability profile from the seed, granted in gateway sessions. */
const GATEWAY_CAPABILITIES = ['inject', 'inject.tools', 'cross.inject', 'a2a.call'];

/** Sessions: three gateways (open, action-filtered, approval-gated) and the sessions behind them. */
export const TEST_CONFIG: SecurityConfigInput = {
  sessions: {
    'p2p-gateway': {
      access: ['type:p2p-discovery', 'type:p2p'],
      capabilities: GATEWAY_CAPABILITIES,
      gateway: { allowForwardTo: ['code-*'], rateLimit: { perMinute: 3 } },
    },
    'action-gateway': {
      access: ['type:p2p'],
      capabilities: GATEWAY_CAPABILITIES,
      gateway: { allowForwardTo: ['code-assistant'], allowActions: ['chat', 'review.*'] },
    },
    'approval-gateway': {
      access: ['type:p2p', 'type:api'],
      capabilities: GATEWAY_CAPABILITIES,
      gateway: { allowForwardTo: ['code-assistant'], requireApproval: true, rateLimit: { perMinute: 1 } },
    },
    'code-assistant': {
      access: ['session:p2p-gateway', 'session:action-gateway', 'session:approval-gateway', 'trust:trusted'],
    },
    'code-review': { access: ['session:p2p-gateway'] },
    vault: { access: [] },
  },
};

/** The workflows the gateway is tested with: the stub and the real one over the memory store. */
export const WORKFLOWS: Array<[string, () => ApprovalWorkflow]> = [
  ['stub workflow', () => createStubApprovalWorkflow()],
  ['memory workflow', () => createApprovalWorkflow()],
];

/** One delivery the inject function received. */
export interface Injected {
  target: string;
  message: string;
  options: InjectOptions;
}

/** A gateway over a fresh engine, with recorded deliveries and events and a controllable clock. */
export interface GatewayFixture {
  gateway: Gateway;
  engine: SecurityEngine;
  killSwitch: StubKillSwitch;
  injected: Injected[];
  inject: InjectFunction;
  events: SecurityEvent[];
  advance(milliseconds: number): void;
}

/** Builds a {@link GatewayFixture}; `settings` override the gateway's. */
export function createGatewayFixture(
  workflow: ApprovalWorkflow | undefined,
  settings: Partial<GatewayConfig> = {},
  config: SecurityConfigInput = TEST_CONFIG,
): GatewayFixture {
  let time = Date.UTC(2026, 0, 1);
  const now = () => time;
  const emitter = createSecurityEventEmitter({ now });
  const events: SecurityEvent[] = [];
  emitter.on('security', (event) => events.push(event));
  const engine = createSecurityEngine({ config, now, events: emitter });
  const injected: Injected[] = [];
  const inject: InjectFunction = async (target, message, options) => {
    injected.push({ target, message, options });
    return `ok:${message}`;
  };
  const killSwitch = createStubKillSwitch({ now });
  const gateway = createGateway({
    engine,
    ...(workflow ? { workflow } : {}),
    inject,
    killSwitch,
    now,
    ...settings,
  });
  return {
    gateway,
    engine,
    killSwitch,
    injected,
    inject,
    events,
    advance: (milliseconds) => {
      time += milliseconds;
    },
  };
}
