/**
 * OpenTelemetry for every decision written to the log, through `@opentelemetry/api` only: with
 * no SDK installed, the API hands out no-op tracers and meters and this costs nothing.
 *
 * Spans follow the GenAI semantic conventions: a decision about a tool is an `execute_tool
 * {gen_ai.tool.name}` span with `gen_ai.operation.name = execute_tool`; a decision about an
 * MCP request (details carry `mcpMethod`, for example `tools/call`) follows the MCP
 * conventions: span `{mcp.method.name} {gen_ai.tool.name}` with `mcp.method.name`,
 * `mcp.session.id` and `jsonrpc.request.id`. Each span lasts from `write` until the entry is
 * durable, and carries the entry's index in the log.
 *
 * A span starts with the low-cardinality attributes (event type, decision, operation, tool, MCP
 * method), which samplers see; the identifiers (session, tool call, MCP session, JSON-RPC
 * request) are added once the span records, so that without an SDK a write builds no
 * per-decision attribute object.
 *
 * @module
 */
import {
  type Attributes,
  type Counter,
  createNoopMeter,
  type Histogram,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { SecurityEvent } from '@warden/core';

const SCOPE = '@warden/audit';
const DENIALS = new Set(['access_denied', 'tool_blocked', 'gateway_blocked', 'policy_violation', 'approval_rejected']);

/** Where telemetry goes; the global providers of `@opentelemetry/api` by default. */
export interface AuditTelemetryConfig {
  /** @default the global tracer provider */
  tracerProvider?: TracerProvider;
  /** @default the global meter provider */
  meterProvider?: MeterProvider;
}

/** One decision being recorded. */
export interface DecisionTrace {
  /** Ends the span once the entry at `index` is durable. */
  committed(index: number): void;
  /** Ends the span with an error status. */
  failed(error: unknown): void;
}

/** Starts a span and counts a decision for each event written. */
export interface AuditTelemetry {
  /** Called by `write`. */
  start(event: SecurityEvent): DecisionTrace;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function decisionOf(type: string): string {
  if (DENIALS.has(type)) return 'deny';
  return type === 'access_granted' || type === 'gateway_forward' || type === 'approval_approved' ? 'allow' : 'record';
}

/** What every decision of one (event type, tool, MCP method) shares: built once, then reused. */
interface DecisionKind {
  name: string;
  spanKind: SpanKind;
  /** The low-cardinality attributes: the span's at its start (what a sampler sees) and the metrics'. */
  attributes: Attributes;
  /** The metrics' attributes of a failed append. */
  failedAttributes: Attributes;
}

// Tool names and MCP methods come from payloads: the memo of kinds is bounded.
const KIND_CACHE_LIMIT = 1024;

function describeKind(type: string, tool: string | undefined, mcpMethod: string | undefined): DecisionKind {
  const attributes: Attributes = { 'warden.event.type': type, 'warden.decision': decisionOf(type) };
  if (tool) {
    attributes['gen_ai.operation.name'] = 'execute_tool';
    attributes['gen_ai.tool.name'] = tool;
  }
  if (mcpMethod) attributes['mcp.method.name'] = mcpMethod;
  const name = mcpMethod
    ? tool
      ? `${mcpMethod} ${tool}`
      : mcpMethod
    : tool
      ? `execute_tool ${tool}`
      : `warden ${type}`;
  return {
    name,
    spanKind: mcpMethod ? SpanKind.SERVER : SpanKind.INTERNAL,
    attributes: Object.freeze(attributes),
    failedAttributes: Object.freeze({ ...attributes, 'error.type': 'AUDIT_APPEND_FAILED' }),
  };
}

// The identifiers of one decision (session, tool call, MCP session, JSON-RPC request).
function identifierAttributes(event: SecurityEvent, details: Record<string, unknown>, mcp: boolean): Attributes {
  const attributes: Attributes = {};
  if (event.session) attributes['warden.session'] = event.session;
  const callId = text(details.toolCallId);
  if (callId) attributes['gen_ai.tool.call.id'] = callId;
  if (mcp) {
    const sessionId = text(details.mcpSessionId);
    if (sessionId) attributes['mcp.session.id'] = sessionId;
    const requestId = details.requestId;
    if (typeof requestId === 'string' || typeof requestId === 'number')
      attributes['jsonrpc.request.id'] = String(requestId);
  }
  return attributes;
}

function childOf<T>(map: Map<string, Map<string, T>>, key: string): Map<string, T> {
  let child = map.get(key);
  if (!child) {
    child = new Map();
    map.set(key, child);
  }
  return child;
}

// What a decision records when nothing would receive it: no span records it and no meter counts it.
const UNOBSERVED: DecisionTrace = Object.freeze({ committed() {}, failed() {} });

/** One decision's span and start time; a class rather than closures, as one is made per write. */
class Decision implements DecisionTrace {
  private readonly started = performance.now();

  constructor(
    private readonly span: Span,
    private readonly kind: DecisionKind,
    private readonly decisions: Counter,
    private readonly duration: Histogram,
  ) {}

  committed(index: number): void {
    // Without an SDK the span records nothing: skip building what it would drop.
    if (this.span.isRecording()) this.span.setAttribute('warden.audit.entry.index', index);
    this.finish(this.kind.attributes);
  }

  failed(error: unknown): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? 'append failed' });
    this.span.setAttribute('error.type', (error as { code?: string })?.code ?? 'AUDIT_APPEND_FAILED');
    this.finish(this.kind.failedAttributes);
  }

  private finish(attributes: Attributes): void {
    this.decisions.add(1, attributes);
    this.duration.record((performance.now() - this.started) / 1000, attributes);
    this.span.end();
  }
}

/** Creates the telemetry of one log; tracers and meters are looked up here, never at import. */
export function createAuditTelemetry(config: AuditTelemetryConfig = {}): AuditTelemetry {
  const tracer = (config.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (config.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const decisions: Counter = meter.createCounter('warden.audit.decisions', {
    description: 'Security decisions written to the audit log',
    unit: '{decision}',
  });
  const duration: Histogram = meter.createHistogram('warden.audit.append.duration', {
    description: 'Time from write until the entry is durable',
    unit: 's',
  });
  // Nested by type, tool and MCP method (`''` for none): looking a kind up builds no key string.
  let kinds = new Map<string, Map<string, Map<string, DecisionKind>>>();
  let kindCount = 0;
  const kindOf = (type: string, tool: string | undefined, mcpMethod: string | undefined): DecisionKind => {
    const byMethod = kinds.get(type)?.get(tool ?? '');
    let kind = byMethod?.get(mcpMethod ?? '');
    if (kind) return kind;
    kind = describeKind(type, tool, mcpMethod);
    if (kindCount >= KIND_CACHE_LIMIT) {
      kinds = new Map();
      kindCount = 0;
    }
    childOf(childOf(kinds, type), tool ?? '').set(mcpMethod ?? '', kind);
    kindCount += 1;
    return kind;
  };
  // The API hands out its no-op instruments when no meter provider was registered before this
  // log was created, and a meter provider registered later never reaches them: then a decision
  // that no span records is not timed, counted or allocated at all (a tenth of a microsecond and
  // an object per append on the default path).
  const noopMeter = createNoopMeter();
  const metricsOff = decisions === noopMeter.createCounter(SCOPE) && duration === noopMeter.createHistogram(SCOPE);
  return {
    start(event) {
      const details = event.details ?? {};
      const mcpMethod = text(details.mcpMethod);
      const kind = kindOf(event.type, text(details.tool) ?? text(details.toolName), mcpMethod);
      const span = tracer.startSpan(kind.name, { kind: kind.spanKind, attributes: kind.attributes });
      // The identifiers are unique per decision: added only to a span that records them.
      if (span.isRecording()) span.setAttributes(identifierAttributes(event, details, mcpMethod !== undefined));
      else if (metricsOff) return UNOBSERVED;
      return new Decision(span, kind, decisions, duration);
    },
  };
}
