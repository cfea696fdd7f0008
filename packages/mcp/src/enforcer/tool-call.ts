/**
 * `tools/call`: policy on the tool, pins, argument rules and schema, the approval hold (surfaced
 * in the client's protocol revision), then the forward with an `executed` event.
 *
 * @module
 */
import type { KillSwitch } from '@warden/core';
import { isSafeToolName } from '../pinning/tool-definition.js';
import { checkCallArguments, hasProtoKey, matchingRules, requiredTier } from './call-checks.js';
import { McpDeniedError } from './denial.js';
import { assertKillSwitchOff } from './kill-switch-gate.js';
import { discoverTools, type ListingContext } from './listing.js';
import { isRecord, type McpClientCall, type McpOutcome, type McpUpstreamCall } from './messages.js';
import { DENIAL_META_KEY, ORIGIN_META_KEY, WARDEN_ORIGIN } from './upstream-requests.js';

/** The protocol revision that answers holds with an input-required result. */
export const INPUT_REQUIRED_REVISION = '2026-07-28';

/** `_meta` key a client may use to name the approval its retry is for. */
export const APPROVAL_META_KEY = 'io.warden/approvalId';

/** How the session can surface a hold. */
export interface HoldSurface {
  /** The negotiated protocol revision. */
  protocolVersion: string | undefined;
  /** The client declared URL-mode elicitation. */
  urlElicitation: boolean;
  /** Sends a request to the client. */
  askClient?: McpClientCall;
}

interface ParsedCall {
  tool: string;
  args: Record<string, unknown>;
  echoedApprovalId: string | undefined;
  forwardParams: Record<string, unknown>;
}

function parseCall(params: unknown): ParsedCall {
  if (!isRecord(params) || typeof params.name !== 'string' || params.name.length === 0 || params.name.length > 512) {
    throw new McpDeniedError({ denial: 'INVALID_REQUEST', message: 'tools/call needs a tool name' });
  }
  if (params.arguments !== undefined && !isRecord(params.arguments)) {
    throw new McpDeniedError({ denial: 'INVALID_REQUEST', message: 'tools/call arguments must be an object' });
  }
  // The params themselves, as the arguments (checked with them): a server copying the params with
  // `Object.assign` would read an `arguments` hidden behind `__proto__`, which no rule checked.
  const { arguments: _arguments, ...outsideArguments } = params;
  if (hasProtoKey(outsideArguments))
    throw new McpDeniedError({
      denial: 'ARGUMENT_DENIED',
      message: 'tools/call params must not contain a __proto__ key',
    });
  const { requestState, inputResponses: _answers, ...forwardParams } = params;
  const meta = isRecord(params._meta) ? params._meta : undefined;
  const fromMeta = meta?.[APPROVAL_META_KEY];
  if (meta && APPROVAL_META_KEY in meta) {
    const { [APPROVAL_META_KEY]: _drop, ...restMeta } = meta;
    forwardParams._meta = restMeta;
  }
  const echoed = typeof requestState === 'string' ? requestState : typeof fromMeta === 'string' ? fromMeta : undefined;
  return {
    tool: params.name,
    args: (params.arguments as Record<string, unknown> | undefined) ?? {},
    echoedApprovalId: echoed?.slice(0, 256),
    forwardParams,
  };
}

/** Decides on and forwards one `tools/call`. @throws `McpDeniedError` when refused. */
export async function handleToolCall(
  context: ListingContext,
  params: unknown,
  upstream: McpUpstreamCall,
  surface: HoldSurface,
): Promise<McpOutcome> {
  const { state, source, caller } = context;
  const call = parseCall(params);
  const base = { caller, tool: call.tool };
  if (!isSafeToolName(call.tool))
    throw new McpDeniedError({
      denial: 'TOOL_DENIED',
      message: "tool names must keep to MCP's charset (ASCII letters, digits, _ - .; at most 128)",
    });
  if (!state.engine.checkToolAccess(source, context.upstream, call.tool).allowed) {
    throw new McpDeniedError({
      denial: 'TOOL_DENIED',
      message: `tool ${call.tool} is not allowed for caller ${caller}`,
    });
  }
  if (state.catalog.lookup(context.upstream, call.tool) === undefined) await discoverTools(context, upstream);
  const entry = state.catalog.lookup(context.upstream, call.tool);
  if (entry === undefined) return unknownTool(context, call.tool);
  if (!(await state.catalog.isPinned(context.upstream, entry))) {
    throw new McpDeniedError({
      denial: 'TOOL_NOT_PINNED',
      message: `tool ${call.tool} is new or changed and waits for an operator to approve its definition ${entry.digest}`,
    });
  }
  const rules = matchingRules(state.config.tools, context.upstream, call.tool);
  checkCallArguments(rules, call.args, entry.definition.inputSchema, state.schemaChecker);
  const tier = requiredTier(rules);
  if (tier !== 'auto') {
    const held = await holdCall(context, call, tier, surface);
    if (held !== undefined) return held;
  }
  await state.log.record('allowed', source, context.upstream, { ...base, arguments: call.args });
  const started = performance.now();
  let outcome: McpOutcome;
  try {
    outcome = await upstream('tools/call', call.forwardParams);
  } catch (error) {
    await state.log
      .record('executed', source, context.upstream, {
        ...base,
        status: 'unavailable',
        durationMs: performance.now() - started,
      })
      .catch(() => undefined);
    throw error instanceof McpDeniedError
      ? error
      : new McpDeniedError({ denial: 'UPSTREAM_UNAVAILABLE', message: 'the upstream did not answer', cause: error });
  }
  const status =
    'error' in outcome ? 'error' : isRecord(outcome.result) && outcome.result.isError === true ? 'tool-error' : 'ok';
  await state.log
    .record('executed', source, context.upstream, { ...base, status, durationMs: performance.now() - started })
    .catch(() => undefined);
  return outcome;
}

/**
 * Returns a result to send instead of forwarding (an input-required result), `undefined` when
 * the call is approved and may proceed, or throws the denial that names the approval.
 */
async function holdCall(
  context: ListingContext,
  call: ParsedCall,
  tier: 'peer-review' | 'team-lead' | 'security-review',
  surface: HoldSurface,
): Promise<McpOutcome | undefined> {
  const { state, source, caller } = context;
  const bound = {
    upstream: context.upstream,
    tool: call.tool,
    arguments: call.args,
    caller,
    policyVersion: state.policyVersion,
  };
  const hold = await state.holds.resolve(bound, tier, call.echoedApprovalId);
  const details = { caller, tool: call.tool, approvalId: hold.approvalId, tier };
  if (hold.state === 'approved') {
    await state.log.record('approved', source, context.upstream, details);
    return undefined;
  }
  if (hold.created) await state.log.record('held', source, context.upstream, details);
  const url = approvalUrl(state.config.approvals.url, hold.approvalId);
  // The mark an upstream cannot put on what it relays (its elicitations get their own origin).
  const wardenMark = { [ORIGIN_META_KEY]: WARDEN_ORIGIN };
  const message = `Warden holds ${context.upstream}/${call.tool} until an operator approves request ${hold.approvalId}`;
  if (surface.protocolVersion !== undefined && surface.protocolVersion >= INPUT_REQUIRED_REVISION) {
    return {
      result: {
        resultType: 'input_required',
        inputRequests: {
          'warden-approval': {
            method: 'elicitation/create',
            params: { mode: 'url', elicitationId: hold.approvalId, url, message, _meta: wardenMark },
          },
        },
        requestState: hold.approvalId,
      },
    };
  }
  if (surface.urlElicitation && surface.askClient) {
    const asking = new AbortController();
    const answer = await untilKilledOrExpired(
      surface.askClient(
        'elicitation/create',
        {
          mode: 'url',
          elicitationId: hold.approvalId,
          url,
          message,
          _meta: wardenMark,
        },
        asking.signal,
      ),
      state.killSwitch,
      state.config.approvals.ttlMs,
      hold.approvalId,
    ).finally(() => asking.abort());
    const action = isRecord(answer) ? answer.action : undefined;
    if (action !== 'accept') {
      await state.holds.cancel(hold.approvalId, caller);
      throw new McpDeniedError({
        denial: 'APPROVAL_REJECTED',
        message: `the client ${String(action ?? 'did not answer')} the approval`,
        approvalId: hold.approvalId,
      });
    }
    await state.holds.waitForDecision(
      hold.approvalId,
      state.killSwitch,
      state.config.approvals.ttlMs,
      state.approvalPollMs,
    );
    await assertKillSwitchOff(state.killSwitch);
    await state.log.record('approved', source, context.upstream, details);
    return undefined;
  }
  throw new McpDeniedError({
    denial: 'APPROVAL_REQUIRED',
    message: `${message}; retry the same call once approved`,
    approvalId: hold.approvalId,
  });
}

/**
 * A tool the upstream does not list is never forwarded (it could be a hidden one that no pin
 * covers). The answer is the tool-error result MCP servers give for an unknown tool, with the
 * denial in `_meta`, so clients see what they would see without Warden.
 */
async function unknownTool(context: ListingContext, tool: string): Promise<McpOutcome> {
  const reason = `tool ${tool} is not offered by the upstream`;
  await context.state.log.record('denied', context.source, context.upstream, {
    caller: context.caller,
    method: 'tools/call',
    tool,
    code: 'TOOL_DENIED',
    reason,
  });
  return {
    result: {
      content: [{ type: 'text', text: `Warden denied: TOOL_DENIED: ${reason}` }],
      isError: true,
      _meta: { [DENIAL_META_KEY]: { code: 'TOOL_DENIED', reason } },
    },
  };
}

/**
 * Waits for the client's answer to the elicitation, but never past the approval's lifetime and
 * never once the kill switch turns on (a client that never answers cannot keep a call alive).
 */
async function untilKilledOrExpired<Value>(
  answer: Promise<Value>,
  killSwitch: KillSwitch,
  ttlMs: number,
  approvalId: string,
): Promise<Value> {
  let unsubscribe: () => void = () => {};
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    unsubscribe = killSwitch.onChange((change) => {
      if (change.active)
        reject(new McpDeniedError({ denial: 'KILL_SWITCH_ACTIVE', message: 'the kill switch is active', approvalId }));
    });
    timer = setTimeout(
      () =>
        reject(
          new McpDeniedError({
            denial: 'APPROVAL_EXPIRED',
            message: `approval ${approvalId} was not answered in time`,
            approvalId,
          }),
        ),
      ttlMs,
    );
  });
  try {
    return await Promise.race([answer, stopped]);
  } finally {
    unsubscribe();
    clearTimeout(timer);
  }
}

function approvalUrl(template: string | undefined, id: string): string {
  if (template === undefined) return `urn:warden:approval:${encodeURIComponent(id)}`;
  return template.includes('{id}')
    ? template.replace('{id}', encodeURIComponent(id))
    : `${template.replace(/\/$/, '')}/${encodeURIComponent(id)}`;
}
