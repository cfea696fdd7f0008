import { generateKeyPairSync } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createMemoryAuditStorage } from '../storage/memory-storage.ts';
import { createAuditLog } from './index.ts';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function setup(storage = createMemoryAuditStorage()) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const log = createAuditLog({
    storage,
    signingKey: generateKeyPairSync('ed25519').privateKey,
    telemetry: { tracerProvider, meterProvider },
  });
  return { exporter, reader, log };
}

describe('OpenTelemetry (GenAI and MCP semantic conventions)', () => {
  it('each decision about a tool is an execute_tool span with gen_ai.tool.name and its entry index', async () => {
    const { exporter, log } = setup();
    await log.write({ type: 'tool_blocked', timestamp: 1, session: 's1', details: { tool: 'shell.exec' } });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('execute_tool shell.exec');
    expect(span?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'shell.exec',
      'warden.event.type': 'tool_blocked',
      'warden.decision': 'deny',
      'warden.session': 's1',
      'warden.audit.entry.index': 0,
    });
  });

  it('an MCP call follows the MCP conventions: span "tools/call <tool>", mcp.method.name, mcp.session.id, jsonrpc.request.id', async () => {
    const { exporter, log } = setup();
    await log.write({
      type: 'access_granted',
      timestamp: 1,
      details: { tool: 'get_weather', mcpMethod: 'tools/call', mcpSessionId: 'abc', requestId: 7 },
    });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('tools/call get_weather');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.operation.name': 'execute_tool',
      'mcp.session.id': 'abc',
      'jsonrpc.request.id': '7',
      'warden.decision': 'allow',
    });
  });

  it('counts decisions in warden.audit.decisions, and a failed append ends its span with an error', async () => {
    const storage = createMemoryAuditStorage();
    const { exporter, reader, log } = setup(storage);
    await log.write({ type: 'tool_blocked', timestamp: 1, details: { tool: 'a' } });
    await log.write({ type: 'tool_blocked', timestamp: 2, details: { tool: 'a' } });
    await storage.close();
    await expect(log.write({ type: 'access_denied', timestamp: 3, details: {} })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics[0]?.metrics.find(
      (item) => item.descriptor.name === 'warden.audit.decisions',
    );
    const points = (metric?.dataPoints ?? []) as DataPoint<number>[];
    expect(points.find((point) => point.attributes['gen_ai.tool.name'] === 'a')?.value).toBe(2);
    expect(points.find((point) => point.attributes['error.type'] === 'AUDIT_APPEND_FAILED')?.value).toBe(1);
    const failed = exporter.getFinishedSpans().find((span) => span.name === 'warden access_denied');
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('with metrics and no tracing, every decision is still counted and timed, appended or failed', async () => {
    const storage = createMemoryAuditStorage();
    const reader = new CollectingReader();
    const log = createAuditLog({
      storage,
      signingKey: generateKeyPairSync('ed25519').privateKey,
      telemetry: { meterProvider: new MeterProvider({ readers: [reader] }) },
    });
    await log.write({ type: 'tool_blocked', timestamp: 1, details: { tool: 'a' } });
    await storage.close();
    await expect(log.write({ type: 'tool_blocked', timestamp: 2, details: { tool: 'a' } })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
    });
    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics[0]?.metrics ?? [];
    const decisions = (metrics.find((item) => item.descriptor.name === 'warden.audit.decisions')?.dataPoints ??
      []) as DataPoint<number>[];
    expect(decisions.map((point) => [point.attributes['error.type'] ?? 'appended', point.value])).toEqual([
      ['appended', 1],
      ['AUDIT_APPEND_FAILED', 1],
    ]);
    const durations = metrics.find((item) => item.descriptor.name === 'warden.audit.append.duration')?.dataPoints;
    expect(durations).toHaveLength(2);
  });

  it('with tracing and no metrics, every decision is still a span', async () => {
    const exporter = new InMemorySpanExporter();
    const log = createAuditLog({
      storage: createMemoryAuditStorage(),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      telemetry: { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) },
    });
    await log.write({ type: 'tool_blocked', timestamp: 1, details: { tool: 'a' } });
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['execute_tool a']);
  });

  it('without an SDK the global no-op API is used and writing still works', async () => {
    const log = createAuditLog({
      storage: createMemoryAuditStorage(),
      signingKey: generateKeyPairSync('ed25519').privateKey,
    });
    await log.write({ type: 'tool_blocked', timestamp: 1, details: { tool: 'a' } });
    expect(await log.size()).toBe(1);
  });
});
