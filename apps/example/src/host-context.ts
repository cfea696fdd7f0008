import type { Clock, SecurityEngine, SecurityEventEmitter } from '@warden/core';
import type { Gateway } from '@warden/gateway';
import type { HostBackends } from './backends.js';
import type { HostConfig } from './config.js';
import type { Delegations } from './delegation.js';
import type { ReplayGuard } from './replay-guard.js';
import type { KnownIdentities } from './source-identification.js';

/** Everything the pipeline and the routes share: one per running host. */
export interface HostContext {
  /** The validated configuration. */
  readonly config: HostConfig;
  /** The policy: sessions, trust levels, tools, gateways. */
  readonly engine: SecurityEngine;
  /** Every decision goes here, and from here to the audit log. */
  readonly events: SecurityEventEmitter;
  /** The ports: sandbox, kill switch, approvals, rate limiter, credentials. */
  readonly backends: HostBackends;
  /** Routes untrusted requests through gateway sessions. */
  readonly gateway: Gateway;
  /** Delegated grants between agents (the capability algebra). */
  readonly delegations: Delegations;
  /** Operators, API clients and peers. */
  readonly known: KnownIdentities;
  /** Refuses replayed peer signatures. */
  readonly replays: ReplayGuard;
  /** Time source. */
  readonly now: Clock;
}
