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
 * @module
 */
import {
  type Attributes,
  type Counter,
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

interface DescribedEvent {
  name: string;
  mcp: boolean;
  /** Span attributes. */
  attributes: Attributes;
  /** The low-cardinality ones, for metrics (no session or request ids). */
  metricAttributes: Attributes;
}

function describeEvent(event: SecurityEvent): DescribedEvent {
  const details = event.details ?? {};
  const tool = text(details.tool) ?? text(details.toolName);
  const mcpMethod = text(details.mcpMethod);
  const metricAttributes: Attributes = { 'warden.event.type': event.type, 'warden.decision': decisionOf(event.type) };
  if (tool) {
    metricAttributes['gen_ai.operation.name'] = 'execute_tool';
    metricAttributes['gen_ai.tool.name'] = tool;
  }
  if (mcpMethod) metricAttributes['mcp.method.name'] = mcpMethod;
  const attributes: Attributes = { ...metricAttributes };
  if (event.session) attributes['warden.session'] = event.session;
  const callId = text(details.toolCallId);
  if (callId) attributes['gen_ai.tool.call.id'] = callId;
  if (mcpMethod) {
    const sessionId = text(details.mcpSessionId);
    if (sessionId) attributes['mcp.session.id'] = sessionId;
    const requestId = details.requestId;
    if (typeof requestId === 'string' || typeof requestId === 'number')
      attributes['jsonrpc.request.id'] = String(requestId);
    return { name: tool ? `${mcpMethod} ${tool}` : mcpMethod, attributes, metricAttributes, mcp: true };
  }
  return { name: tool ? `execute_tool ${tool}` : `warden ${event.type}`, attributes, metricAttributes, mcp: false };
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
  return {
    start(event) {
      const { name, attributes, metricAttributes, mcp } = describeEvent(event);
      const span: Span = tracer.startSpan(name, { kind: mcp ? SpanKind.SERVER : SpanKind.INTERNAL, attributes });
      const started = performance.now();
      const finish = (extra?: Attributes): void => {
        const recorded = extra ? { ...metricAttributes, ...extra } : metricAttributes;
        decisions.add(1, recorded);
        duration.record((performance.now() - started) / 1000, recorded);
        span.end();
      };
      return {
        committed(index) {
          // Without an SDK the span records nothing: skip building what it would drop.
          if (span.isRecording()) span.setAttribute('warden.audit.entry.index', index);
          finish();
        },
        failed(error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? 'append failed' });
          span.setAttribute('error.type', (error as { code?: string })?.code ?? 'AUDIT_APPEND_FAILED');
          finish({ 'error.type': 'AUDIT_APPEND_FAILED' });
        },
      };
    },
  };
}
