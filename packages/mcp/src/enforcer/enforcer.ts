/**
 * The enforcement core: every MCP request from a caller to an upstream goes through
 * {@link McpSession.handleRequest}, which checks the kill switch first, then policy, tool pins,
 * arguments and approvals, and records one security event per decision. Transport-free: the
 * stdio wrapper, the HTTP gateway and applications embedding MCP all call it.
 *
 * @module
 */
import { createApprovalWorkflow } from '@warden/approvals';
import {
  type ApprovalWorkflow,
  type AuditSink,
  type Clock,
  computePayloadDigest,
  createInjectionSource,
  createSecurityEngine,
  createSecurityEventEmitter,
  type InjectionSource,
  type KillSwitch,
  monotonicClock,
  type RateLimiter,
  type SecurityEngine,
  type SecurityEventEmitter,
  WardenError,
} from '@warden/core';
import { createStubKillSwitch } from '@warden/stubs';
import { parseMcpConfig } from '../config/config-file.js';
import type { ResolvedMcpConfig, WardenMcpConfigInput } from '../config/config-schema.js';
import { createMemoryToolPinStore, type ToolPinStore } from '../pinning/pin-store.js';
import { createInputSchemaChecker } from '../policy/input-schema.js';
import { ApprovalHolds } from './approval-hold.js';
import { createDecisionLog, type DecisionLog } from './decision-log.js';
import { boundedReason, denialToJsonRpc, type McpDenialData, McpDeniedError } from './denial.js';
import { withholdHiddenInstructions } from './hidden-characters.js';
import { assertKillSwitchOff } from './kill-switch-gate.js';
import { handleListing, type ListingContext } from './listing.js';
import {
  isRecord,
  MAX_MESSAGE_NESTING,
  type McpClientCall,
  type McpOutcome,
  type McpUpstreamCall,
  nestedDeeperThan,
} from './messages.js';
import { createObservedEventEmitter } from './observed-events.js';
import { handleToolCall } from './tool-call.js';
import { type PendingToolDefinition, ToolCatalog } from './tool-catalog.js';
import {
  imitatedDenial,
  type ScreenedRequest,
  screenErrorElicitations,
  screenInputRequests,
  screenUpstreamRequest,
} from './upstream-requests.js';
import { createMemoryUsedApprovals } from './used-approvals.js';

/** Configuration of {@link createMcpEnforcer}. */
export interface McpEnforcerConfig {
  /** The `warden-mcp.json` document (validated here). */
  config: WardenMcpConfigInput;
  /** The kill switch checked first on every message. @default an in-memory stub */
  killSwitch?: KillSwitch;
  /** Where held calls wait for approval. @default `createApprovalWorkflow()` in memory */
  approvals?: ApprovalWorkflow;
  /**
   * Records which approvals were used (limit 1 per approval id). Give every replica the same
   * shared limiter (`createRedisRateLimiter`) so an approval lets one call through in all of them.
   * @default in this process's memory
   */
  usedApprovals?: RateLimiter;
  /**
   * Where tool pins approved at run time live. Give every replica the same shared store
   * (`createRedisToolPinStore`) so a definition approved on one is pinned on all.
   * @default in this process's memory
   */
  toolPins?: ToolPinStore;
  /** Where decision events go. @default a new emitter */
  events?: SecurityEventEmitter;
  /** Must acknowledge each decision before the call proceeds; a failing sink denies. */
  auditSink?: AuditSink;
  /** How often a call waiting for approval polls its status, in milliseconds. @default 250 */
  approvalPollMs?: number;
  /**
   * Monotonic milliseconds, for how old a tool listing is (a call naming a tool the last listing
   * lacks lists the upstream's tools again only once it is 5 s old) and how long an approval stays
   * usable here (measured from when this process requested or first read it). @default `performance.now`
   */
  now?: Clock;
}

/** What a transport knows about one client connection. */
export interface McpSessionConfig {
  /** The caller's name in the configuration. @default the configuration's `defaultCaller` */
  caller?: string;
  /** The upstream this session talks to. */
  upstream: string;
  /** The protocol revision, when the transport knows it (HTTP header); stdio learns it from `initialize`. */
  protocolVersion?: string;
  /** Sends a request to the client (needed for URL-mode elicitation). */
  askClient?: McpClientCall;
  /** What the client declared at `initialize`, when the transport saw it earlier (stateless HTTP). */
  clientCapabilities?: { elicitation?: { url?: unknown } };
  /**
   * The upstream session this client's requests go through is shared with other clients (the HTTP
   * gateway's bridged session for 2026-07-28 clients, a stdio upstream it spawned): requests that
   * change that session for everyone (`logging/setLevel`, `resources/subscribe`, `resources/unsubscribe`)
   * are refused.
   */
  sharedUpstreamSession?: boolean;
}

/** One client's view through the enforcer. */
export interface McpSession {
  /** The protocol revision in use, once known. */
  readonly protocolVersion: string | undefined;
  /** Decides on one request, forwarding it through `upstream` when allowed. Never rejects. */
  handleRequest(method: string, params: unknown, upstream: McpUpstreamCall): Promise<McpOutcome>;
  /**
   * True when a client notification may go to the upstream: its method is a notification's
   * (`notifications/…`), the caller may reach the upstream and the kill switch is off. Anything
   * else (a `tools/call` sent without an id, which a JSON-RPC server still executes) is refused
   * and recorded as denied.
   */
  allowNotification(method: string): Promise<boolean>;
  /**
   * Why a message that is not a request (a client's answer to an upstream's request, its event
   * stream, the end of its session) may not reach the upstream — the kill switch is on or cannot
   * answer, or the caller may not reach it — or `undefined` when it may.
   */
  reachRefusal(): Promise<McpDenialData | undefined>;
  /**
   * Screens a request the upstream sends the client (sampling, elicitation, roots): an
   * `elicitation/create` is attributed to the upstream (`_meta["io.warden/origin"]`, message
   * prefix) or refused when it imitates Warden's approval prompt. Others pass unchanged.
   */
  screenUpstreamRequest(method: string, params: unknown): ScreenedRequest;
  /**
   * Why a message the upstream sends the client unasked (a notification such as
   * `notifications/message` or progress, or its own request: sampling, elicitation, roots) may not
   * reach it now — the kill switch is on or cannot answer, or the caller may not reach the
   * upstream — or `undefined` when it may. A kill switch stops both directions at once. A refusal
   * is recorded as `denied` (`from: "upstream"`) for the first message of each run of refused
   * ones in this session, not for every one: a hostile upstream flooding notifications during an
   * incident cannot flood the audit sink too.
   */
  admitFromUpstream(method: string): Promise<McpDenialData | undefined>;
  /** Tells the enforcer about a notification from the upstream (`notifications/tools/list_changed` drops its listing). */
  observeUpstreamNotification(method: string): void;
}

/** The enforcer shared by every session. */
export interface McpEnforcer {
  /** Where decision events go. */
  readonly events: SecurityEventEmitter;
  /** The kill switch in use. */
  readonly killSwitch: KillSwitch;
  /** The approval workflow in use. */
  readonly approvals: ApprovalWorkflow;
  /** Digest of the configuration decisions are made under (part of every approval binding). */
  readonly policyVersion: string;
  /** Opens a session for one client connection. @throws `McpDeniedError` for an unknown caller or upstream. */
  openSession(config: McpSessionConfig): McpSession;
  /** Tool definitions that appeared or changed and wait for an operator. */
  listPendingToolDefinitions(): PendingToolDefinition[];
  /**
   * Pins a definition by its digest (in the pin store, so every replica sharing it honours the
   * pin); resolves false unless the definition is pending here or is the one last listed here.
   * @throws when the pin store cannot answer.
   */
  approveToolDefinition(approval: { upstream: string; tool: string; digest: string; actor: string }): Promise<boolean>;
}

/**
 * Requests whose effect is the upstream session's, not the request's: the level of every
 * `notifications/message` it sends, which resource updates it sends. In a session several clients
 * share, one client's request would change what every other client receives (turn another's
 * logging to `debug`, or unsubscribe it), and the upstream's notifications cannot be told apart
 * per client: refused there with `METHOD_NOT_ALLOWED`.
 */
const SESSION_WIDE_METHODS: ReadonlySet<string> = new Set([
  'logging/setLevel',
  'resources/subscribe',
  'resources/unsubscribe',
]);

/** Methods forwarded without further checks once the kill switch and upstream access allow them. */
const PASS_THROUGH = new Set(['initialize', 'ping', 'logging/setLevel', 'server/discover']);

/** Shared state every session reads. */
export interface EnforcerState {
  /** The configuration. */
  config: ResolvedMcpConfig;
  /** The policy engine. */
  engine: SecurityEngine;
  /** Tool listings and pins. */
  catalog: ToolCatalog;
  /** Approvals. */
  holds: ApprovalHolds;
  /** Decision events. */
  log: DecisionLog;
  /** Kill switch. */
  killSwitch: KillSwitch;
  /** Policy version. */
  policyVersion: string;
  /** Argument schema checks. */
  schemaChecker: ReturnType<typeof createInputSchemaChecker>;
  /** Poll interval while waiting for approval. */
  approvalPollMs: number;
  /** Each configured caller's injection source, built on first use. */
  callerSources: Map<string, InjectionSource>;
}

/**
 * Creates the enforcement core. Synchronous and free of I/O.
 *
 * @throws `InvalidInputError` when the configuration is invalid, naming the field.
 */
export function createMcpEnforcer(enforcerConfig: McpEnforcerConfig): McpEnforcer {
  const config = parseMcpConfig(enforcerConfig.config);
  const events = enforcerConfig.events ?? createObservedEventEmitter();
  const killSwitch = enforcerConfig.killSwitch ?? createStubKillSwitch();
  const approvals = enforcerConfig.approvals ?? createApprovalWorkflow({ events });
  // Core's own per-check events go to a private emitter: the enforcer records one event per decision itself.
  const engine = createSecurityEngine({ config: config.security, events: createSecurityEventEmitter() });
  const monotonicNow = enforcerConfig.now ?? monotonicClock;
  const catalog = new ToolCatalog(config.pinning, enforcerConfig.toolPins ?? createMemoryToolPinStore(), monotonicNow);
  const policyVersion = computePayloadDigest(config);
  const state: EnforcerState = {
    config,
    engine,
    catalog,
    holds: new ApprovalHolds(
      approvals,
      enforcerConfig.usedApprovals ?? createMemoryUsedApprovals(),
      config.approvals.ttlMs,
      monotonicNow,
    ),
    log: createDecisionLog(events, enforcerConfig.auditSink),
    killSwitch,
    policyVersion,
    schemaChecker: createInputSchemaChecker(),
    approvalPollMs: enforcerConfig.approvalPollMs ?? 250,
    callerSources: new Map(),
  };
  return {
    events,
    killSwitch,
    approvals,
    policyVersion,
    openSession: (sessionConfig) => openSession(state, sessionConfig),
    listPendingToolDefinitions: () => catalog.listPending(),
    async approveToolDefinition(approval) {
      const done = await catalog.approve(approval.upstream, approval.tool, approval.digest);
      if (done)
        await state.log
          .record('approved', undefined, approval.upstream, {
            tool: approval.tool,
            toolDefinition: approval.digest,
            actor: approval.actor,
          })
          .catch(() => undefined);
      return done;
    },
  };
}

/**
 * The injection source of a configured caller, built once per caller and frozen: the HTTP gateway
 * opens a session per request, and one object per caller also lets the policy engine find its
 * cached decisions by identity instead of by a key built from the source's fields. Only
 * configured callers (and the default one) get here, so the cache is bounded by the configuration.
 */
function callerSource(state: EnforcerState, caller: string): InjectionSource {
  const cached = state.callerSources.get(caller);
  if (cached !== undefined) return cached;
  const { config } = state;
  const entry = Object.hasOwn(config.callers, caller) ? config.callers[caller] : undefined;
  if (entry === undefined && caller !== config.defaultCaller) {
    throw new McpDeniedError({ denial: 'UNAUTHENTICATED', message: `unknown caller ${caller}` });
  }
  const type = entry?.type ?? (caller === config.defaultCaller ? 'cli' : 'api');
  const source = createInjectionSource(type, {
    ...(entry?.trustLevel ? { trustLevel: entry.trustLevel } : {}),
    identity: Object.freeze({ userId: caller }),
  });
  if (source.identity) Object.freeze(source.identity);
  Object.freeze(source);
  state.callerSources.set(caller, source);
  return source;
}

function openSession(state: EnforcerState, sessionConfig: McpSessionConfig): McpSession {
  const { config } = state;
  const upstreamName = sessionConfig.upstream;
  if (!Object.hasOwn(config.upstreams, upstreamName)) {
    throw new McpDeniedError({ denial: 'ACCESS_DENIED', message: `unknown upstream ${upstreamName}` });
  }
  const caller = sessionConfig.caller ?? config.defaultCaller;
  const source = callerSource(state, caller);
  let protocolVersion = sessionConfig.protocolVersion;
  let urlElicitation = sessionConfig.clientCapabilities?.elicitation?.url !== undefined;

  const context: ListingContext = { state, source, caller, upstream: upstreamName };
  /** True while the upstream's unasked messages are being refused (one event per such run). */
  let refusingUpstream = false;

  const decide = async (method: string, params: unknown, unguarded: McpUpstreamCall): Promise<McpOutcome> => {
    await assertKillSwitchOff(state.killSwitch);
    const upstream = guardUpstream(unguarded, upstreamName, config.approvals.url);
    if (!state.engine.checkSessionAccess(source, upstreamName).allowed) {
      throw new McpDeniedError({
        denial: 'ACCESS_DENIED',
        message: `caller ${caller} may not reach upstream ${upstreamName}`,
      });
    }
    if (nestedDeeperThan(params, MAX_MESSAGE_NESTING)) {
      throw new McpDeniedError({
        denial: 'INVALID_REQUEST',
        message: `${method} params are nested more than ${MAX_MESSAGE_NESTING} deep`,
      });
    }
    if (sessionConfig.sharedUpstreamSession === true && SESSION_WIDE_METHODS.has(method)) {
      throw new McpDeniedError({
        denial: 'METHOD_NOT_ALLOWED',
        message: `${method} would change the upstream session other callers share`,
      });
    }
    if (method === 'initialize') {
      const initialize = params as
        | { protocolVersion?: unknown; capabilities?: { elicitation?: { url?: unknown } } }
        | undefined;
      if (typeof initialize?.protocolVersion === 'string') protocolVersion = initialize.protocolVersion;
      urlElicitation = initialize?.capabilities?.elicitation?.url !== undefined;
    }
    const metaVersion = (params as { _meta?: Record<string, unknown> } | undefined)?._meta?.[
      'io.modelcontextprotocol/protocolVersion'
    ];
    if (typeof metaVersion === 'string') protocolVersion = metaVersion;
    if (PASS_THROUGH.has(method))
      return withholdHiddenInstructions(state, upstreamName, method, await upstream(method, params));
    if (method === 'tools/call') {
      return handleToolCall(context, params, upstream, {
        protocolVersion,
        urlElicitation,
        ...(sessionConfig.askClient ? { askClient: sessionConfig.askClient } : {}),
      });
    }
    const listed = await handleListing(context, method, params, upstream);
    if (listed !== undefined) return listed;
    throw new McpDeniedError({ denial: 'METHOD_NOT_ALLOWED', message: `method ${method} is not forwarded` });
  };

  return {
    get protocolVersion() {
      return protocolVersion;
    },
    async handleRequest(method, params, upstream) {
      try {
        return await decide(method, params, upstream);
      } catch (error) {
        const denial = toDenial(error);
        const reason = boundedReason(denial.message);
        await state.log
          .record('denied', source, upstreamName, {
            caller,
            method,
            code: denial.denial,
            reason,
            ...toolOf(method, params),
          })
          .catch(() => undefined);
        return {
          error: denialToJsonRpc({
            code: denial.denial,
            reason,
            ...(denial.approvalId ? { approvalId: denial.approvalId } : {}),
            ...(denial.approvalId && config.approvals.url
              ? { approvalUrl: config.approvals.url.replace('{id}', encodeURIComponent(denial.approvalId)) }
              : {}),
          }),
        };
      }
    },
    async allowNotification(method) {
      const refusal = await notificationRefusal(state, source, upstreamName, method);
      if (refusal === undefined) return true;
      await state.log
        .record('denied', source, upstreamName, { caller, method: method.slice(0, 256), ...refusal })
        .catch(() => undefined);
      return false;
    },
    reachRefusal: () => reachRefusal(state, source, upstreamName),
    async admitFromUpstream(method) {
      const refusal = await reachRefusal(state, source, upstreamName);
      if (refusal === undefined) {
        refusingUpstream = false;
        return undefined;
      }
      if (!refusingUpstream) {
        refusingUpstream = true;
        await state.log
          .record('denied', source, upstreamName, {
            caller,
            method: method.slice(0, 256),
            from: 'upstream',
            ...refusal,
          })
          .catch(() => undefined);
      }
      return refusal;
    },
    screenUpstreamRequest: (method, params) =>
      screenUpstreamRequest(upstreamName, method, params, config.approvals.url),
    observeUpstreamNotification(method) {
      if (method === 'notifications/tools/list_changed') state.catalog.invalidate(upstreamName);
    },
  };
}

/** Why a message that is not a request may not reach the upstream, or `undefined`. Fails closed. */
async function reachRefusal(
  state: EnforcerState,
  source: InjectionSource,
  upstream: string,
): Promise<McpDenialData | undefined> {
  try {
    if (await state.killSwitch.isActive()) return { code: 'KILL_SWITCH_ACTIVE', reason: 'the kill switch is active' };
  } catch {
    return { code: 'BACKEND_UNAVAILABLE', reason: 'the kill switch could not answer' };
  }
  if (!state.engine.checkSessionAccess(source, upstream).allowed)
    return { code: 'ACCESS_DENIED', reason: 'the caller may not reach the upstream' };
  return undefined;
}

/**
 * Why a client notification may not be forwarded, or `undefined`. Only `notifications/…` methods
 * pass: JSON-RPC servers execute a request sent without an id (they only do not answer it), so a
 * `tools/call` notification would run a tool no check ever saw.
 */
async function notificationRefusal(
  state: EnforcerState,
  source: InjectionSource,
  upstream: string,
  method: string,
): Promise<McpDenialData | undefined> {
  const refusal = await reachRefusal(state, source, upstream);
  if (refusal !== undefined) return refusal;
  if (!method.startsWith('notifications/'))
    return { code: 'METHOD_NOT_ALLOWED', reason: `${method.slice(0, 256)} is not a notification` };
  return undefined;
}

/**
 * An upstream that throws, hangs past its timeout or dies becomes `UPSTREAM_UNAVAILABLE`; so does
 * an answer nested more than {@link MAX_MESSAGE_NESTING} deep, which `JSON.parse` accepts but
 * relaying it to the client would overflow the stack (a hostile upstream crashed the proxy so).
 */
function guardUpstream(upstream: McpUpstreamCall, name: string, approvalsUrl: string | undefined): McpUpstreamCall {
  return async (method, params) => {
    let outcome: McpOutcome;
    try {
      outcome = await upstream(method, params);
    } catch (error) {
      if (error instanceof McpDeniedError) throw error;
      throw new McpDeniedError({
        denial: 'UPSTREAM_UNAVAILABLE',
        message: `the upstream did not answer ${method}`,
        cause: error,
      });
    }
    if (nestedDeeperThan('error' in outcome ? outcome.error : outcome.result, MAX_MESSAGE_NESTING)) {
      throw new McpDeniedError({
        denial: 'UPSTREAM_UNAVAILABLE',
        message: `the upstream's answer to ${method} is nested more than ${MAX_MESSAGE_NESTING} deep`,
      });
    }
    // A client tells Warden's denials by their mark: an upstream's answer may not carry it.
    const imitation = imitatedDenial(outcome);
    if (imitation !== undefined) throw new McpDeniedError({ denial: imitation.code, message: imitation.reason });
    // A 2026-07-28 input-required result asks the client through its inputRequests: screened like
    // the upstream's own elicitations, so none passes for Warden's approval prompt.
    if ('result' in outcome && isRecord(outcome.result) && outcome.result.inputRequests !== undefined) {
      const screened = screenInputRequests(name, outcome.result, approvalsUrl);
      if ('refusal' in screened)
        throw new McpDeniedError({ denial: 'UPSTREAM_UNAVAILABLE', message: screened.refusal.reason });
      return { result: screened.result };
    }
    // So does a URL-elicitation-required error (-32042): the client shows its elicitations too.
    if ('error' in outcome && outcome.error.code === -32042) {
      const screened = screenErrorElicitations(name, outcome.error, approvalsUrl);
      if ('refusal' in screened)
        throw new McpDeniedError({ denial: 'UPSTREAM_UNAVAILABLE', message: screened.refusal.reason });
      return { error: screened.error as typeof outcome.error };
    }
    return outcome;
  };
}

function toolOf(method: string, params: unknown): Record<string, unknown> {
  const name = (params as { name?: unknown } | undefined)?.name;
  if (method === 'tools/call' && typeof name === 'string') return { tool: name.slice(0, 256) };
  return {};
}

function toDenial(error: unknown): McpDeniedError {
  if (error instanceof McpDeniedError) return error;
  if (WardenError.isInstance(error) && error.code === 'KILL_SWITCH_ACTIVE') {
    return new McpDeniedError({ denial: 'KILL_SWITCH_ACTIVE', message: 'the kill switch is active', cause: error });
  }
  return new McpDeniedError({ denial: 'BACKEND_UNAVAILABLE', message: 'a dependency could not answer', cause: error });
}
