/**
 * `warden approvals list|show|approve|reject` on the Redis approval store
 * (`@warden/approvals-redis`), decided through `@warden/approvals`' workflow so quorum,
 * separation of duties and atomic transitions are the library's, not the command's.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { createApprovalWorkflow } from '@warden/approvals';
import { createRedisApprovalStore, type RedisApprovalStore } from '@warden/approvals-redis';
import {
  AccessDeniedError,
  APPROVAL_TIERS,
  ApprovalNotFoundError,
  ApprovalNotPendingError,
  type ApprovalRecord,
  type ApprovalTier,
  escapeTerminalText,
  WardenError,
} from '@warden/core';
import { isApprovalOverdue } from '@warden/core/approval';
import { type CliIo, EXIT, redisUrlOf, refuseEmptyOptions, refuseRepeatedOptions, UsageError } from './io.js';

/** The help text of `warden approvals`. */
const APPROVALS_HELP: string = `Usage: warden approvals <list|show|approve|reject> [options]

Reads and decides requests in the Redis approval store (@warden/approvals-redis). Redis is named by
--url or REDIS_URL. Quorum, expiry and the payload digest are each record's own; the requester can
never approve their own request.

  list [--tier <tier>] [--requester <name>]      pending requests, oldest first
  show <id>                                      one request with its payload and decisions
  approve <id> --approver <name>                 record your approval
  reject <id> --approver <name> --reason <text>  reject it (the reason is kept)

Options:
  --approver <name>     who decides (required for approve and reject; recorded)
  --reason <text>       why (required for reject)
  --tier <tier>         list only this tier: ${APPROVAL_TIERS.join(', ')}
  --requester <name>    list only this requester's requests
  --url <url>           Redis URL (default: $REDIS_URL)
  --key-prefix <prefix> the store's key prefix (default: warden:approvals:; never empty)
  --json                print records as JSON
  -h, --help            show this help

Text from a request (description, payload, names, reasons) is printed with every control
character, combining mark, variation selector and look-alike blank escaped as \\uXXXX: a payload
cannot move the cursor, retitle or clear the terminal, nor pass one name off as another.

Exit codes: 0 done, 1 refused (unknown id, not pending, overdue, self-approval, not eligible),
2 usage error or Redis unreachable, 70 internal failure (nothing known to be decided).`;

type Action = 'list' | 'show' | 'approve' | 'reject';
const ACTIONS: readonly Action[] = ['list', 'show', 'approve', 'reject'];

interface ApprovalsArgs {
  action: Action;
  id: string | undefined;
  approver: string | undefined;
  reason: string | undefined;
  tier: ApprovalTier | undefined;
  requester: string | undefined;
  json: boolean;
}

/** Runs `warden approvals`; resolves to the exit code. */
export async function runApprovals(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    strict: true,
    tokens: true,
    allowPositionals: true,
    options: {
      approver: { type: 'string' },
      reason: { type: 'string' },
      tier: { type: 'string' },
      requester: { type: 'string' },
      url: { type: 'string' },
      'key-prefix': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  refuseRepeatedOptions(tokens);
  // An empty prefix is another store (`{id}:request` at the top of the keyspace), whose empty
  // queue would read as "nothing pending"; an empty --requester would filter every request out.
  refuseEmptyOptions(values, ['key-prefix', 'requester']);
  if (values.help) {
    io.out(APPROVALS_HELP);
    return EXIT.ok;
  }
  const args = checkArgs(positionals, values);
  const url = redisUrlOf(values.url, env);
  const store = createRedisApprovalStore({
    url,
    ...(values['key-prefix'] !== undefined ? { keyPrefix: values['key-prefix'] } : {}),
    retainDecidedFor: null, // an operator looking must not start a record's retention clock
  });
  try {
    return await perform(args, store, io);
  } catch (error) {
    if (
      error instanceof ApprovalNotFoundError ||
      error instanceof ApprovalNotPendingError ||
      error instanceof AccessDeniedError
    ) {
      io.err(`warden approvals ${args.action}: ${safe(error.message)}`);
      return EXIT.findings;
    }
    if (WardenError.isInstance(error) && error.code === 'BACKEND_UNAVAILABLE') {
      throw new UsageError(`approval store: ${safe(error.message)}`);
    }
    throw error;
  } finally {
    await store.close();
  }
}

function checkArgs(
  positionals: readonly string[],
  values: { approver?: string; reason?: string; tier?: string; requester?: string; json?: boolean },
): ApprovalsArgs {
  const [action, id, ...extra] = positionals;
  if (action === undefined) throw new UsageError('give an action: list, show, approve or reject');
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`unknown action ${JSON.stringify(action)}`);
  const typed = action as Action;
  if (typed === 'list' ? id !== undefined : extra.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(typed === 'list' ? id : extra[0])}`);
  }
  if (typed !== 'list' && id === undefined) throw new UsageError(`${typed} needs a request <id>`);
  const decides = typed === 'approve' || typed === 'reject';
  if (decides && (values.approver === undefined || values.approver.trim() === '')) {
    throw new UsageError(`${typed} needs --approver <name>: who decides is recorded`);
  }
  if (!decides && values.approver !== undefined) throw new UsageError('--approver is only for approve and reject');
  if (typed === 'reject' && (values.reason === undefined || values.reason.trim() === '')) {
    throw new UsageError('reject needs --reason <text>');
  }
  if (typed !== 'reject' && values.reason !== undefined) throw new UsageError('--reason is only for reject');
  if (typed !== 'list' && (values.tier !== undefined || values.requester !== undefined)) {
    throw new UsageError('--tier and --requester are only for list');
  }
  if (values.tier !== undefined && !(APPROVAL_TIERS as readonly string[]).includes(values.tier)) {
    throw new UsageError(`unknown tier ${JSON.stringify(values.tier)}; expected one of ${APPROVAL_TIERS.join(', ')}`);
  }
  return {
    action: typed,
    id,
    approver: values.approver,
    reason: values.reason,
    tier: values.tier as ApprovalTier | undefined,
    requester: values.requester,
    json: values.json === true,
  };
}

async function perform(args: ApprovalsArgs, store: RedisApprovalStore, io: CliIo): Promise<number> {
  if (args.action === 'list') {
    const records = await store.listPending({
      ...(args.tier !== undefined ? { tier: args.tier } : {}),
      ...(args.requester !== undefined ? { requester: args.requester } : {}),
    });
    if (args.json) io.out(JSON.stringify({ requests: records.map(publicRecord) }, null, 2));
    else if (records.length === 0) io.out('no pending requests');
    else for (const record of records) io.out(summaryLine(record));
    return EXIT.ok;
  }
  const id = args.id as string;
  const before = await store.get(id);
  if (before === undefined) throw new ApprovalNotFoundError({ id });
  if (args.action === 'show') {
    io.out(args.json ? JSON.stringify(publicRecord(before), null, 2) : describeRecord(before));
    return EXIT.ok;
  }
  if (before.status === 'pending' && isOverdue(before)) {
    // Whether an overdue request expires or escalates is the host's policy, not the command's.
    io.err(
      `warden approvals ${args.action}: request ${safe(id)} is overdue (expired at ${safe(before.expiresAt)}); not decided`,
    );
    return EXIT.findings;
  }
  const workflow = createApprovalWorkflow({ store });
  const approver = args.approver as string;
  if (args.action === 'approve') await workflow.approve(id, approver);
  else await workflow.reject(id, approver, args.reason as string);
  // Read back from the store: the workflow's get() would also settle timeouts by this command's defaults.
  const after = (await store.get(id)) ?? before;
  io.out(args.json ? JSON.stringify(publicRecord(after), null, 2) : describeRecord(after));
  return EXIT.ok;
}

/** A field escaped for one line; a record doctored in Redis may hold a field that is not even a string. */
function safe(value: unknown): string {
  return escapeTerminalText(String(value));
}

/**
 * Core's rule, the one the workflow settles timeouts by: a pending request whose deadline cannot
 * be read is overdue too (`Date.parse` gives NaN, and `NaN <= now` is false: a doctored deadline
 * made the request look on time, and the workflow then expired it by the command's defaults).
 */
function isOverdue(record: ApprovalRecord): boolean {
  return isApprovalOverdue(record, Date.now());
}

function publicRecord(record: ApprovalRecord): ApprovalRecord & { overdue: boolean } {
  return { ...record, overdue: record.status === 'pending' && isOverdue(record) };
}

function approvalsCounted(record: ApprovalRecord): number {
  return record.decisions.filter(
    (decision) => decision.decision === 'approve' && (decision.tier ?? record.tier) === record.tier,
  ).length;
}

/**
 * One line per pending request. Every field is escaped, the ones the workflow sets too: the store
 * checks only a record's id and version when it reads one back, so whoever can write to Redis
 * chooses its status, tier, quorum and decisions.
 */
function summaryLine(record: ApprovalRecord): string {
  const overdue = isOverdue(record) ? ' OVERDUE' : '';
  return `${safe(record.id)}  ${safe(record.tier)}  ${approvalsCounted(record)}/${safe(record.quorum)}${overdue}  by ${safe(
    record.requester,
  )}  ${safe(record.description)}`;
}

/** Renders a record for people; every field is escaped (see {@link summaryLine} for why all of them). */
function describeRecord(record: ApprovalRecord): string {
  const state =
    record.status === 'pending'
      ? `pending (${approvalsCounted(record)} of ${safe(record.quorum)} approvals)${isOverdue(record) ? ', OVERDUE' : ''}`
      : safe(record.status);
  const lines = [
    `request ${safe(record.id)}: ${state}`,
    `tier: ${safe(record.tier)}${record.escalatedFrom?.length ? ` (escalated from ${safe(record.escalatedFrom.join(', '))})` : ''}`,
    `requester: ${safe(record.requester)}`,
    `description: ${safe(record.description)}`,
    `created at: ${safe(record.createdAt)}`,
    `expires at: ${safe(record.expiresAt ?? 'never')}`,
  ];
  if (record.decidedAt !== undefined) lines.push(`decided at: ${safe(record.decidedAt)}`);
  if (record.decidedBy !== undefined) lines.push(`decided by: ${safe(record.decidedBy)}`);
  if (record.reason !== undefined) lines.push(`reason: ${safe(record.reason)}`);
  if (record.payloadDigest !== undefined) lines.push(`payload digest: ${safe(record.payloadDigest)}`);
  if (record.payload !== undefined) {
    lines.push('payload:');
    // JSON.stringify escapes C0 controls inside strings; `safe` escapes the rest (C1, bidi) per line.
    for (const line of (JSON.stringify(record.payload, null, 2) ?? 'undefined').split('\n')) {
      lines.push(`  ${safe(line)}`);
    }
  }
  lines.push(record.decisions.length === 0 ? 'decisions: none' : 'decisions:');
  for (const decision of record.decisions) {
    lines.push(
      `  - ${safe(decision.decision)} by ${safe(decision.approver)} at ${safe(decision.at)}${
        decision.tier !== undefined ? ` (${safe(decision.tier)})` : ''
      }${decision.reason !== undefined ? `: ${safe(decision.reason)}` : ''}`,
    );
  }
  return lines.join('\n');
}
