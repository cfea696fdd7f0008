import {
  approvalIdSchema,
  createSecurityContext,
  decisionReasonSchema,
  isCapabilityName,
  killSwitchReasonSchema,
  parseInput,
  WardenError,
} from '@warden/core';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { agentRequestSchema } from './agent-request.js';
import { agentIdOf } from './delegation.js';
import type { HostContext } from './host-context.js';
import { toErrorResponse } from './http-errors.js';
import { approvalView, identify, parseBody, requireOperator, sourceSummary } from './http-support.js';
import { recordKillSwitchChange } from './kill-switch-changes.js';
import { approveAndRun, assertKillSwitchReleased, handleMessage, rejectRequest, requireRequest } from './pipeline.js';

const sessionSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a session name');
const capabilitySchema = z.string().refine(isCapabilityName, 'must be a capability name such as "inject.exec"');
const agentIdSchema = z
  .string()
  .regex(/^(agent|operator|api|p2p):[\x21-\x7e]{1,300}$/, 'must be an agent id such as "p2p:<publicKey>"');

const capabilityIdSchema = z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be a capability id');

/** `GET /approvals?cursor&limit`: one page, oldest first, at most 100 requests. */
const listQuerySchema = z
  .object({
    cursor: z.string().min(1).max(1_024).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

const activateSchema = z.object({ reason: killSwitchReasonSchema }).strict();
const rejectSchema = z.object({ reason: decisionReasonSchema }).strict();
const checkSchema = z.object({ capability: capabilitySchema }).strict();
const revokeSchema = z.object({ reason: z.string().min(1).max(500).optional() }).strict();
const delegationSchema = z
  .object({
    from: agentIdSchema.optional(),
    to: agentIdSchema,
    session: sessionSchema,
    capabilities: z.array(capabilitySchema).min(1).max(32),
    ttl: z.union([z.string().max(32), z.number()]).optional(),
    delegatable: z.boolean().optional(),
  })
  .strict();

const sessionOf = (context: Context): string => parseInput(sessionSchema, context.req.param('session'), 'session name');
const approvalIdOf = (context: Context): string => parseInput(approvalIdSchema, context.req.param('id'), 'approval id');

/** Options of {@link createHttpApp}. */
export interface HttpAppOptions {
  /** Told about unexpected errors (with their stack); clients only ever see a code and a message. */
  onError: (error: unknown) => void;
}

/** The host's HTTP API (Hono). Every error is a JSON body with a stable code, never a stack trace. */
export function createHttpApp(host: HostContext, options: HttpAppOptions): Hono {
  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: host.config.server.bodyLimitBytes,
      onError: (context) =>
        context.json(
          {
            error: {
              code: 'PAYLOAD_TOO_LARGE',
              message: `Bodies are limited to ${host.config.server.bodyLimitBytes} bytes`,
            },
          },
          413,
        ),
    }),
  );
  app.onError((error, context) => {
    const { status, body } = toErrorResponse(error);
    if (!WardenError.isInstance(error)) options.onError(error);
    return context.json(body, status as ContentfulStatusCode);
  });
  app.notFound((context) =>
    context.json(
      { error: { code: 'ROUTE_NOT_FOUND', message: `No route ${context.req.method} ${context.req.path}` } },
      404,
    ),
  );
  app.get('/health', async (context) => context.json(await health(host)));
  addSessionRoutes(app, host);
  addApprovalRoutes(app, host);
  addKillSwitchRoutes(app, host);
  addCapabilityRoutes(app, host);
  return app;
}

async function health(host: HostContext) {
  let killSwitch: { active: boolean | 'unknown'; stale?: boolean };
  try {
    const state = await host.backends.killSwitch.getState();
    killSwitch = { active: state.active, ...(state.stale === undefined ? {} : { stale: state.stale }) };
  } catch {
    killSwitch = { active: 'unknown' };
  }
  const status = killSwitch.active === false ? 'ok' : 'stopped';
  return { status, killSwitch, backends: host.backends.choice };
}

function addSessionRoutes(app: Hono, host: HostContext): void {
  app.post('/sessions/:session/messages', async (context) => {
    const { source, body } = await identify(host, context);
    const session = sessionOf(context);
    const request = parseBody(agentRequestSchema, body, 'message');
    const outcome = await handleMessage(host, host.delegations.withGrants(source, session), session, request);
    return context.json(outcome, outcome.status === 'pending-approval' ? 202 : 200);
  });
  app.get('/sessions/:session/whoami', async (context) => {
    const { source } = await identify(host, context);
    const session = sessionOf(context);
    return context.json(
      createSecurityContext(host.delegations.withGrants(source, session), session, host.engine).whoami(),
    );
  });
  app.post('/sessions/:session/check', async (context) => {
    const { source, body } = await identify(host, context);
    const session = sessionOf(context);
    const { capability } = parseBody(checkSchema, body, 'check request');
    return context.json(
      createSecurityContext(host.delegations.withGrants(source, session), session, host.engine).check(capability),
    );
  });
}

function addApprovalRoutes(app: Hono, host: HostContext): void {
  app.get('/approvals', async (context) => {
    const { source } = await identify(host, context);
    requireOperator(host, source, 'list approvals');
    const query = parseInput(listQuerySchema, context.req.query(), 'approval listing');
    const page = await host.gateway.listPendingRequests(query);
    return context.json({
      pending: page.requests.map(approvalView),
      ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    });
  });
  app.get('/approvals/:id', async (context) => {
    const { source } = await identify(host, context);
    const request = await requireRequest(host, approvalIdOf(context));
    const isSender = agentIdOf(source) !== undefined && agentIdOf(source) === agentIdOf(request.originalSource);
    if (!isSender) requireOperator(host, source, 'read approval requests of others');
    return context.json(approvalView(request));
  });
  app.post('/approvals/:id/approve', async (context) => {
    const { source } = await identify(host, context);
    const approver = requireOperator(host, source, 'approve requests');
    await assertKillSwitchReleased(host, source);
    const outcome = await approveAndRun(host, approvalIdOf(context), approver);
    return context.json(outcome, outcome.status === 'pending-approval' ? 202 : 200);
  });
  app.post('/approvals/:id/reject', async (context) => {
    const { source, body } = await identify(host, context);
    const approver = requireOperator(host, source, 'reject requests');
    const { reason } = parseBody(rejectSchema, body, 'rejection');
    return context.json(approvalView(await rejectRequest(host, approvalIdOf(context), approver, reason)));
  });
}

function addKillSwitchRoutes(app: Hono, host: HostContext): void {
  const { killSwitch } = host.backends;
  const change = async (context: Context, active: boolean) => {
    const { source, body } = await identify(host, context);
    const actor = requireOperator(host, source, active ? 'activate the kill switch' : 'deactivate the kill switch');
    if (active) {
      const { reason } = parseBody(activateSchema, body, 'activation');
      await killSwitch.activate(reason, { actor });
    } else {
      parseBody(z.object({}).strict(), body, 'deactivation');
      await killSwitch.deactivate({ actor });
    }
    const state = await killSwitch.getState();
    recordKillSwitchChange(host, source, {
      active,
      actor,
      ...(state.reason === undefined ? {} : { reason: state.reason }),
    });
    return context.json(state);
  };
  app.get('/kill-switch', async (context) => {
    const { source } = await identify(host, context);
    requireOperator(host, source, 'read the kill switch');
    return context.json(await killSwitch.getState());
  });
  app.post('/kill-switch/activate', (context) => change(context, true));
  app.post('/kill-switch/deactivate', (context) => change(context, false));
}

function addCapabilityRoutes(app: Hono, host: HostContext): void {
  app.post('/capabilities/delegations', async (context) => {
    const { source, body } = await identify(host, context);
    await assertKillSwitchReleased(host, source);
    const request = parseBody(delegationSchema, body, 'delegation');
    const { capability, chain } = host.delegations.delegate(source, request);
    return context.json(
      {
        capability,
        chain: chain.map((link) => ({
          id: link.id,
          grantedBy: link.grantedBy,
          grantedTo: link.grantedTo,
          actions: link.actions,
        })),
      },
      201,
    );
  });
  app.post('/capabilities/:id/revoke', async (context) => {
    const { source, body } = await identify(host, context);
    const { reason } = parseBody(revokeSchema, body, 'revocation');
    const id = parseInput(capabilityIdSchema, context.req.param('id'), 'capability id');
    const revoked = host.delegations.revoke(source, id, reason);
    return context.json({ revoked: revoked.map((capability) => capability.id), by: sourceSummary(source) });
  });
}
