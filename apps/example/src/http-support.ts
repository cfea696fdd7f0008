import { AccessDeniedError, type InjectionSource, InvalidInputError, parseInput } from '@warden/core';
import type { ForwardRequest } from '@warden/gateway';
import type { Context } from 'hono';
import type { z } from 'zod';
import { decodeAgentRequest } from './agent-request.js';
import type { HostContext } from './host-context.js';
import { identifySource, type RequestCredentials } from './source-identification.js';

/** A request after step 1: who sent it, and its raw body. */
export interface IdentifiedRequest {
  /** The injection source its credentials prove. */
  source: InjectionSource;
  /** The raw body, as signed. */
  body: string;
}

function credentialsOf(context: Context): RequestCredentials {
  const credentials: RequestCredentials = {};
  const authorization = context.req.header('authorization');
  if (authorization !== undefined) {
    credentials.bearerToken = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? authorization;
  }
  const headers = {
    apiKey: 'x-api-key',
    peerPublicKey: 'x-peer-key',
    peerSignature: 'x-peer-signature',
    peerTimestamp: 'x-peer-timestamp',
  } as const;
  for (const [field, header] of Object.entries(headers)) {
    const value = context.req.header(header);
    if (value !== undefined) credentials[field as keyof typeof headers] = value;
  }
  return credentials;
}

/**
 * Step 1 over HTTP: reads the raw body and identifies the sender from its headers. A refusal is
 * recorded as an `access_denied` event before it is thrown.
 */
export async function identify(host: HostContext, context: Context): Promise<IdentifiedRequest> {
  const body = await context.req.text();
  const url = new URL(context.req.url);
  const path = `${url.pathname}${url.search}`;
  try {
    const source = identifySource(credentialsOf(context), { method: context.req.method, path, body }, host.known, {
      now: host.now(),
      windowMs: host.config.peerSignatureWindowMs,
      replays: host.replays,
    });
    return { source, body };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    host.events.emit({
      type: 'access_denied',
      details: { step: 'identify', reason, method: context.req.method, path: url.pathname },
    });
    throw error;
  }
}

/**
 * Only operators (owner sources identified by an operator token) may pass; returns the
 * operator's name. A refusal is recorded as an `access_denied` event.
 */
export function requireOperator(host: HostContext, source: InjectionSource, action: string): string {
  const name = source.identity?.userId;
  if (source.type === 'cli' && source.trustLevel === 'owner' && name !== undefined) return name;
  host.events.emit({ type: 'access_denied', source, details: { step: 'operator', action, reason: 'operators only' } });
  throw new AccessDeniedError({ message: `Only operators may ${action}` });
}

/** Parses a JSON body against `schema`; an empty body counts as `{}`. */
export function parseBody<Output>(schema: z.ZodType<Output>, body: string, what: string): Output {
  let value: unknown = {};
  if (body.trim() !== '') {
    try {
      value = JSON.parse(body);
    } catch {
      throw new InvalidInputError({
        message: `The ${what} is not valid JSON`,
        issues: [{ path: '', message: 'must be JSON' }],
      });
    }
  }
  return parseInput(schema, value, what);
}

/** The public part of a source: type, trust, and the identity fields that are not secrets. */
export function sourceSummary(source: InjectionSource): Record<string, unknown> {
  const { publicKey, userId, gatewaySession } = source.identity ?? {};
  return {
    type: source.type,
    trustLevel: source.trustLevel,
    ...(publicKey === undefined ? {} : { publicKey }),
    ...(userId === undefined ? {} : { userId }),
    ...(gatewaySession === undefined ? {} : { gatewaySession }),
  };
}

/** How an approval request is shown to operators: what will run, from whom, through which gateway. */
export function approvalView(request: ForwardRequest): Record<string, unknown> {
  let decoded: unknown;
  try {
    decoded = decodeAgentRequest(request.message);
  } catch {
    decoded = { message: request.message };
  }
  return {
    id: request.id,
    status: request.status,
    gateway: request.gatewaySession,
    session: request.targetSession,
    from: sourceSummary(request.originalSource),
    actionType: request.actionType,
    request: decoded,
    createdAt: request.createdAt,
    approvedBy: request.approvedBy,
    ...(request.decidedBy === undefined ? {} : { decidedBy: request.decidedBy }),
    ...(request.reason === undefined ? {} : { reason: request.reason }),
  };
}
