import { createApprovalWorkflow, createMemoryApprovalStore } from '@warden/approvals';
import { createRedisApprovalStore, createRedisRateLimiter } from '@warden/approvals-redis';
import type {
  ApprovalWorkflow,
  Clock,
  JITCredentialIssuer,
  KillSwitch,
  RateLimiter,
  Sandbox,
  SandboxCommand,
  SecurityEventEmitter,
} from '@warden/core';
import { createMemoryRateLimiter } from '@warden/gateway';
import { createRedisKillSwitch } from '@warden/killswitch-redis';
import { createDockerSandbox } from '@warden/sandbox-docker';
import { createStubJITCredentialIssuer, createStubKillSwitch, createStubSandbox } from '@warden/stubs';
import { type BackendChoice, chooseBackends, type HostConfig } from './config.js';

/** The environment variable through which a run's JIT credential reaches the sandboxed command. */
export const CREDENTIAL_ENV = 'WARDEN_JIT_TOKEN';

/** The ports the host runs on, and what serves each. */
export interface HostBackends {
  /** What serves each port. */
  readonly choice: Omit<BackendChoice, 'killSwitch'> & { killSwitch: string; credentials: string };
  /** Where code runs. */
  readonly sandbox: Sandbox;
  /** The emergency stop. */
  readonly killSwitch: KillSwitch;
  /** True when the kill switch emits its own `kill_switch_*` events (the Redis one does). */
  readonly killSwitchEmitsEvents: boolean;
  /** Where gateway requests wait for an operator. */
  readonly workflow: ApprovalWorkflow;
  /** Counts gateway deliveries. */
  readonly rateLimiter: RateLimiter;
  /** Issues the credential of each run. */
  readonly credentials: JITCredentialIssuer;
  /** Closes what the host opened (connections, sandboxes); injected ports are left alone. */
  close(): Promise<void>;
}

/** Ports given by the caller instead of the configured ones; the host never closes them. */
export interface BackendOverrides {
  /** For example `createGitHubAppTokenIssuer(…)` from `@warden/credentials-github`. */
  credentialIssuer?: JITCredentialIssuer;
  /** A kill switch shared with the rest of the application (its events are the host's to emit). */
  killSwitch?: KillSwitch;
}

/** What building the backends needs besides the configuration. */
export interface BackendContext {
  /** Where the adapters that emit events send them. */
  events: SecurityEventEmitter;
  /** Time source. */
  now: Clock;
  /** Told about errors the adapters swallow (Redis reconnects, failed writes). */
  onError: (error: unknown) => void;
  /** Injected ports. */
  overrides?: BackendOverrides;
}

/**
 * Builds the ports the configuration asks for. Synchronous and free of I/O: every adapter
 * connects on first use.
 */
export function createBackends(config: HostConfig, context: BackendContext): HostBackends {
  const choice = chooseBackends(config);
  const closers: (() => Promise<void>)[] = [];
  const own = <Port extends { close?: () => Promise<void> }>(port: Port): Port => {
    if (port.close) closers.push(() => port.close?.() ?? Promise.resolve());
    return port;
  };
  const sandbox = own(createSandboxBackend(config, choice, context.now));
  const injectedKillSwitch = context.overrides?.killSwitch;
  const killSwitch = injectedKillSwitch ?? own(createKillSwitchBackend(config, choice, context));
  const workflow = createApprovalWorkflow({
    store:
      choice.approvals === 'redis'
        ? own(createRedisApprovalStore(redisSettings(config.approvals)))
        : createMemoryApprovalStore(),
    approvers: config.operators.map((operator) => operator.name),
    tiers: { 'peer-review': { ttl: config.approvals.ttl } },
    events: context.events,
    now: context.now,
  });
  const rateLimiter =
    choice.rateLimiter === 'redis'
      ? own(createRedisRateLimiter({ ...redisSettings(config.rateLimiter), now: context.now }))
      : createMemoryRateLimiter({ now: context.now });
  const credentials = context.overrides?.credentialIssuer ?? createStubJITCredentialIssuer({ now: context.now });
  return {
    choice: {
      ...choice,
      killSwitch: injectedKillSwitch ? injectedKillSwitch.providerId : choice.killSwitch,
      credentials: context.overrides?.credentialIssuer ? credentials.providerId : 'stub',
    },
    sandbox,
    killSwitch,
    killSwitchEmitsEvents: injectedKillSwitch === undefined && choice.killSwitch === 'redis',
    workflow,
    rateLimiter,
    credentials,
    async close() {
      const results = await Promise.allSettled(closers.reverse().map((close) => close()));
      for (const result of results) if (result.status === 'rejected') context.onError(result.reason);
    },
  };
}

function redisSettings(section: { url?: string | undefined; prefix?: string | undefined }) {
  return { url: section.url, ...(section.prefix === undefined ? {} : { keyPrefix: section.prefix }) };
}

function createSandboxBackend(config: HostConfig, choice: BackendChoice, now: Clock): Sandbox {
  if (choice.sandbox === 'stub') {
    // The stub runs nothing; it says what a real sandbox would have run.
    return createStubSandbox({
      now,
      respond: ({ command }) => ({ stdout: `[stub sandbox] would run: ${describe(command)}\n` }),
    });
  }
  const { dockerHost, image, ownerId, egressProxy } = config.sandbox;
  return createDockerSandbox({
    ...(dockerHost === undefined ? {} : { dockerHost }),
    ...(image === undefined ? {} : { image }),
    ...(egressProxy === undefined ? {} : { egressProxy }),
    ownerId,
    allowCredentialEnv: [CREDENTIAL_ENV],
    now,
  });
}

function createKillSwitchBackend(config: HostConfig, choice: BackendChoice, context: BackendContext): KillSwitch {
  if (choice.killSwitch === 'stub') return createStubKillSwitch({ now: context.now, onError: context.onError });
  const { url, name, keyPrefix, staleAfterMs, refreshIntervalMs } = config.killSwitch;
  return createRedisKillSwitch({
    url,
    name,
    ...(keyPrefix === undefined ? {} : { keyPrefix }),
    ...(staleAfterMs === undefined ? {} : { staleAfterMs }),
    ...(refreshIntervalMs === undefined ? {} : { refreshIntervalMs }),
    events: context.events,
    onError: context.onError,
    now: context.now,
  });
}

function describe(command: SandboxCommand): string {
  return typeof command === 'string' ? command : JSON.stringify(command);
}
