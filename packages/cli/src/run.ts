/**
 * The `warden` command: dispatches to subcommands, turns usage and input errors into exit
 * code 2 with a clear message.
 *
 * @module
 */
import { escapeTerminalBlock, escapeTerminalText, InvalidInputError } from '@warden/core';
import { runApprovals } from './approvals.js';
import { runAudit } from './audit.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { runKillSwitch } from './kill-switch.js';
import { CHECK_HELP, runCheck } from './policy/check.js';
import { DIFF_HELP, runDiff } from './policy/diff.js';
import { LINT_HELP, runLint } from './policy/lint.js';

/** The help text of `warden`. */
const MAIN_HELP: string = `Usage: warden <command> [options]

Commands:
  policy check <config> ...   explain one decision (layers, deciding rule, what would change it)
  policy lint <config>        validate a configuration and report findings with stable ids
  policy diff <old> <new>     what a configuration change grants and removes
  kill-switch <status|activate|deactivate>   read or change a Redis kill switch (REDIS_URL, --name)
  approvals <list|show|approve|reject>       read and decide requests in the Redis approval store
  audit verify ...            verify an audit log (@warden/audit) against its signed checkpoints

Run 'warden <command> --help' for a command's options. Every command takes --json.
Exit codes: 0 allowed/clean/done, 1 denied/findings/differences/refused, 2 usage or input error,
70 internal failure (nothing was decided; a script must not read it as any answer).
Text from configurations, Redis and logs is printed with control characters, combining marks,
variation selectors and look-alike blanks escaped (\\uXXXX).`;

/** The help text of `warden policy`. */
const POLICY_HELP: string = `Usage: warden policy <check|lint|diff> [options]

  check   ${CHECK_HELP.split('\n')[0]?.replace('Usage: warden policy check ', '')}
  lint    <config> [--json]
  diff    <old> <new> [--json]

Run 'warden policy <command> --help' for details.`;

const POLICY_COMMANDS: Readonly<Record<string, { run: (argv: readonly string[], io: CliIo) => number; help: string }>> =
  {
    check: { run: runCheck, help: CHECK_HELP },
    lint: { run: runLint, help: LINT_HELP },
    diff: { run: runDiff, help: DIFF_HELP },
  };

const OPERATOR_COMMANDS: Readonly<
  Record<string, (argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv) => Promise<number>>
> = {
  'kill-switch': runKillSwitch,
  approvals: runApprovals,
  audit: runAudit,
};

/**
 * Runs `warden` with `argv` (without the node and script paths); resolves to the exit code and
 * never rejects. Everything written to `io` has its terminal control characters, combining marks,
 * variation selectors and look-alike blanks escaped first (core's `escapeTerminalBlock`). A failure that is not a usage error
 * is reported on `io.err` with its stack and exits {@link EXIT}.internal (70), never 1.
 */
export async function run(
  argv: readonly string[],
  terminal: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const io: CliIo = {
    out: (text) => terminal.out(escapeTerminalBlock(text)),
    err: (text) => terminal.err(escapeTerminalBlock(text)),
  };
  const [command, ...rest] = argv;
  let name = 'warden';
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.out(MAIN_HELP);
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    const operator =
      command !== undefined && Object.hasOwn(OPERATOR_COMMANDS, command) ? OPERATOR_COMMANDS[command] : undefined;
    if (operator !== undefined) {
      name = `warden ${command}`;
      return await operator(rest, io, env);
    }
    if (command !== 'policy') throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    name = 'warden policy';
    const [sub, ...args] = rest;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      io.out(POLICY_HELP);
      return sub === undefined ? EXIT.usage : EXIT.ok;
    }
    const entry = Object.hasOwn(POLICY_COMMANDS, sub) ? POLICY_COMMANDS[sub] : undefined;
    if (entry === undefined) throw new UsageError(`unknown policy command ${JSON.stringify(sub)}`);
    name = `warden policy ${sub}`;
    return entry.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidInputError || isParseArgsError(error)) {
      // A UsageError escapes what it quotes where it is built (its own line feeds are layout);
      // any other message is one line, so every line feed in it came from the input.
      const message = error instanceof UsageError ? error.message : escapeTerminalText((error as Error).message);
      io.err(`${name}: ${message}\nRun '${name} --help' for usage.`);
      return EXIT.usage;
    }
    return reportInternalFailure(name, error, terminal);
  }
}

/**
 * Reports a failure the command has no answer for and returns {@link EXIT}.internal: 1 would read
 * as "denied", "active" or "tampered". The message is escaped as one line (it may quote Redis or
 * a file) and followed by the stack frames, for the bug report. Written to the terminal itself
 * (escaped like all output), since the sink that failed may be the escaping one; if that fails
 * too, the exit code still says it.
 */
function reportInternalFailure(name: string, error: unknown, terminal: CliIo): number {
  const message = escapeTerminalText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
  try {
    terminal.err(
      escapeTerminalBlock([`${name}: internal error (exit ${EXIT.internal}): ${message}`, ...frames].join('\n')),
    );
  } catch {
    // Standard error is gone as well: nothing left to tell, the exit code says it.
  }
  return EXIT.internal;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
