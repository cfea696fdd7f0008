/**
 * `warden kill-switch status|activate|deactivate` on `@warden/killswitch-redis`.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { escapeTerminalText as safe, WardenError } from '@warden/core';
import { createRedisKillSwitch } from '@warden/killswitch-redis';
import { type CliIo, EXIT, redisUrlOf, refuseEmptyOptions, refuseRepeatedOptions, UsageError } from './io.js';

/** The help text of `warden kill-switch`. */
const KILL_SWITCH_HELP: string = `Usage: warden kill-switch <status|activate|deactivate> [options]

Reads or changes a Redis kill switch (@warden/killswitch-redis). Redis is named by --url or REDIS_URL.

  status                          print the state
  activate --reason <text>        stop everything
  deactivate                      release the switch

Options:
  --name <name>     the switch's name (default: global)
  --url <url>       Redis URL (default: $REDIS_URL)
  --actor <who>     recorded with a change
  --reason <text>   why (activate only)
  --json            print the state as JSON
  -h, --help        show this help

Exit codes: 0 inactive, 1 active or unknown (fail closed), 2 usage error or Redis unreachable,
70 internal failure (the state is not known: only 0 means inactive).`;

/** Runs `warden kill-switch`; resolves to the exit code. */
export async function runKillSwitch(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    strict: true,
    tokens: true,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      url: { type: 'string' },
      actor: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  refuseRepeatedOptions(tokens);
  refuseEmptyOptions(values, ['name', 'actor']);
  if (values.help) {
    io.out(KILL_SWITCH_HELP);
    return EXIT.ok;
  }
  const [action, ...extra] = positionals;
  if (action !== 'status' && action !== 'activate' && action !== 'deactivate') {
    throw new UsageError(
      action === undefined
        ? 'give an action: status, activate or deactivate'
        : `unknown action ${JSON.stringify(action)}`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (action === 'activate' && (values.reason === undefined || values.reason.trim() === '')) {
    throw new UsageError('activate needs --reason <text>');
  }
  if (action !== 'activate' && values.reason !== undefined) throw new UsageError('--reason is only for activate');
  const url = redisUrlOf(values.url, env);
  const killSwitch = createRedisKillSwitch({ url, name: values.name ?? 'global' });
  try {
    await killSwitch.ready();
    const options = values.actor !== undefined ? { actor: values.actor } : {};
    if (action === 'activate') await killSwitch.activate(values.reason as string, options);
    if (action === 'deactivate') await killSwitch.deactivate(options);
    const state = await killSwitch.getState();
    if (values.json) {
      io.out(JSON.stringify(state, null, 2));
    } else {
      const label = state.unknown ? 'UNKNOWN (denies: fail closed)' : state.active ? 'ACTIVE' : 'inactive';
      io.out(`kill switch ${safe(values.name ?? 'global')}: ${label}`);
      if (state.reason !== undefined) io.out(`reason: ${safe(state.reason)}`);
      if (state.actor !== undefined) io.out(`actor: ${safe(state.actor)}`);
      if (state.changedAt !== undefined) io.out(`changed at: ${safe(String(state.changedAt))}`);
    }
    return state.active || state.unknown ? EXIT.findings : EXIT.ok;
  } catch (error) {
    if (error instanceof WardenError) throw new UsageError(`kill switch: ${safe(error.message)}`);
    throw error;
  } finally {
    await killSwitch.close();
  }
}
