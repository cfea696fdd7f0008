import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { type Clock, createCapabilityRegistry, createSecurityEngine, createSecurityEventEmitter } from '@warden/core';
import { createGateway } from '@warden/gateway';
import type { Hono } from 'hono';
import { createHostAuditLog, type HostAuditLog } from './audit-log.js';
import { type BackendOverrides, createBackends } from './backends.js';
import type { HostConfig } from './config.js';
import { createHostConsole, type HostConsoleExtras, mountConsole } from './console.js';
import { createDelegations } from './delegation.js';
import type { HostContext } from './host-context.js';
import { createHttpApp } from './http-app.js';
import { toErrorResponse } from './http-errors.js';
import { createReplayGuard, PEER_FUTURE_SKEW_MS } from './replay-guard.js';

/** Options of {@link createAgentHost} and {@link startAgentHost}. */
export interface AgentHostOptions {
  /** Time source for events, approvals, delegations and signatures. @default Date.now */
  now?: Clock;
  /** Told about unexpected errors and errors the adapters swallow. @default console.error */
  onError?: (error: unknown) => void;
  /** Ports given instead of the configured ones (for example a GitHub credential issuer). */
  overrides?: BackendOverrides;
  /** What the operator console at `/console` shows besides approvals, the kill switch and events. */
  console?: HostConsoleExtras;
}

/** The composed host: its HTTP app, its shared context and its audit log. */
interface AgentHost {
  /** The HTTP API. */
  readonly app: Hono;
  /** Policy engine, backends, gateway, delegations. */
  readonly context: HostContext;
  /** Where every security event is written: a tamper-evident Merkle log (`@warden/audit`). */
  readonly auditLog: HostAuditLog;
  /** Closes the backends the host opened and flushes the audit log. */
  close(): Promise<void>;
}

/**
 * Composes every package into one host: a security engine over the configured policy, an event
 * emitter writing to the tamper-evident audit log, the backends, a gateway, the capability algebra.
 * Synchronous: connections open on first use.
 */
function createAgentHost(config: HostConfig, options: AgentHostOptions = {}): AgentHost {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const auditLog = createHostAuditLog(config.auditLog, onError);
  const events = createSecurityEventEmitter({ auditSink: auditLog, now, onError });
  const registry = createCapabilityRegistry();
  const engine = createSecurityEngine({ config: config.security, events, now, registry, auditAllowed: true });
  const backends = createBackends(config, {
    events,
    now,
    onError,
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });
  const gateway = createGateway({
    engine,
    workflow: backends.workflow,
    rateLimiter: backends.rateLimiter,
    killSwitch: backends.killSwitch,
    events,
    now,
    queue: config.gatewayQueue,
  });
  const context: HostContext = {
    config,
    engine,
    events,
    backends,
    gateway,
    delegations: createDelegations(config, { registry, events, now }),
    known: { operators: config.operators, apiKeys: config.apiKeys, peers: config.peers },
    replays: createReplayGuard(config.peerSignatureWindowMs, { startedAt: now() }),
    now,
  };
  return {
    app: createHttpApp(context, { onError }),
    context,
    auditLog,
    async close() {
      await backends.close();
      await auditLog.close();
    },
  };
}

// Once the audit log cannot append, no request is served: a decision that cannot be recorded is not made.
function failClosed(host: AgentHost): typeof host.app.fetch {
  return (request, ...rest) => {
    try {
      host.auditLog.assertWritable();
    } catch (error) {
      const { status, body } = toErrorResponse(error);
      return Response.json(body, { status });
    }
    return host.app.fetch(request, ...rest);
  };
}

/** A host listening for HTTP requests. */
export interface RunningHost {
  /** The base URL, for example `http://127.0.0.1:8787`. */
  readonly url: string;
  /** The host itself. */
  readonly host: AgentHost;
  /** Stops accepting requests, ends open connections, then closes the host. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the host and listens on `config.server` (port 0 picks a free port), after
 * {@link PEER_FUTURE_SKEW_MS}: a peer signature dated before the host's start plus that skew may
 * have been used against the process before a restart and is refused, so the host waits until
 * peers who sign as they send are past it.
 */
export async function startAgentHost(config: HostConfig, options: AgentHostOptions = {}): Promise<RunningHost> {
  const host = createAgentHost(config, options);
  let operatorConsole: ReturnType<typeof createHostConsole>;
  try {
    // Before listening: a console setting it refuses (`server.consoleAllowedHosts`) stops the start.
    operatorConsole = createHostConsole(host.context, options.onError ?? console.error, {
      audit: host.auditLog,
      ...options.console,
    });
  } catch (error) {
    await host.close();
    throw error;
  }
  await delay(PEER_FUTURE_SKEW_MS);
  const server = serve({ fetch: failClosed(host), port: config.server.port, hostname: config.server.host });
  mountConsole(server as Server, operatorConsole, () => host.auditLog.assertWritable());
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('listening', () => resolve(server.address() as AddressInfo));
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    await host.close();
    throw error;
  });
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostname}:${address.port}`,
    host,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
        operatorConsole.close();
        await host.close();
      })();
      return closing;
    },
  };
}
