/**
 * Clients of the stateless 2026-07-28 revision send no `initialize`; upstreams that speak only
 * 2025-11-25 need one. The bridge opens one upstream session for those clients and answers
 * `server/discover` from its `initialize` result.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import { isRecord } from '../enforcer/messages.js';
import type { ForwardedHeaders, HttpUpstreamAnswer } from './upstream-http.js';

/** The revision the gateway speaks to upstreams for stateless clients. */
export const BRIDGED_REVISION = '2025-11-25';

/** Revisions the gateway accepts from clients. */
export const SUPPORTED_REVISIONS: readonly string[] = ['2026-07-28', '2025-11-25', '2025-06-18'];

/** Sends one message to an upstream (HTTP or stdio) and waits for its answer. */
export type UpstreamSend = (
  message: Record<string, unknown>,
  forwarded: ForwardedHeaders,
  relay: (message: unknown) => void,
) => Promise<HttpUpstreamAnswer>;

/** An upstream session opened on behalf of stateless clients. */
export interface BridgeSession {
  /** The upstream's session id, when it issued one. */
  sessionId?: string;
  /** The upstream's `initialize` result. */
  initializeResult: Record<string, unknown>;
}

/** Opens (once) and reopens (after the upstream forgot it) the bridge session. */
export class UpstreamBridge {
  private session: Promise<BridgeSession> | undefined;

  constructor(private readonly send: UpstreamSend) {}

  /** The bridge session, opening it on first use. */
  get(): Promise<BridgeSession> {
    this.session ??= this.open().catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return this.session;
  }

  /** Forgets the session (the upstream answered 404 for it). */
  reset(): void {
    this.session = undefined;
  }

  /** A `server/discover` result built from the upstream's `initialize` result. */
  async discover(): Promise<Record<string, unknown>> {
    const { initializeResult } = await this.get();
    return {
      supportedVersions: [...SUPPORTED_REVISIONS],
      capabilities: initializeResult.capabilities ?? {},
      ...(initializeResult.serverInfo ? { serverInfo: initializeResult.serverInfo } : {}),
      ...(typeof initializeResult.instructions === 'string' ? { instructions: initializeResult.instructions } : {}),
      resultType: 'complete',
    };
  }

  private async open(): Promise<BridgeSession> {
    const initialize = {
      jsonrpc: '2.0',
      id: 'warden-bridge-initialize',
      method: 'initialize',
      params: {
        protocolVersion: BRIDGED_REVISION,
        capabilities: {},
        clientInfo: { name: 'warden-mcp', version: '0.0.0' },
      },
    };
    const answer = await this.send(initialize, {}, () => {});
    if (!answer.outcome || 'error' in answer.outcome || !isRecord(answer.outcome.result))
      throw new BackendUnavailableError({ backend: 'upstream', message: 'the upstream refused initialize' });
    const forwarded = {
      ...(answer.sessionId ? { sessionId: answer.sessionId } : {}),
      protocolVersion: BRIDGED_REVISION,
    };
    await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' }, forwarded, () => {});
    return { ...(answer.sessionId ? { sessionId: answer.sessionId } : {}), initializeResult: answer.outcome.result };
  }
}
