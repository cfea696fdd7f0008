/**
 * `warden policy check`: one decision and its explanation.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import {
  type AccessExplanation,
  createInjectionSource,
  explainCapability,
  explainToolAccess,
  INJECTION_SOURCE_TYPES,
  type InjectionSourceType,
  isCapabilityName,
  isInjectionSourceType,
  isTrustLevel,
  TRUST_LEVELS,
} from '@warden/core';
import { type CliIo, EXIT, loadConfig, refuseRepeatedOptions, UsageError } from '../io.js';

/** The help text of `warden policy check`. */
export const CHECK_HELP: string = `Usage: warden policy check <config> --source <type> [--trust <level>] [--session <name>]
                          (--tool <name> | --capability <name>) [--json]

Explains one decision: every policy layer that contributed, the rule that decided, and what
would change the answer.

Options:
  --source <type>       source type: ${INJECTION_SOURCE_TYPES.join(', ')}
  --trust <level>       trust level (default: the source type's): ${TRUST_LEVELS.join(', ')}
  --session <name>      target session (default: main)
  --tool <name>         the tool to check
  --capability <name>   the capability to check
  --json                print the explanation as JSON
  -h, --help            show this help

Exit codes: 0 allowed, 1 denied, 2 usage or input error, 70 internal failure.`;

/** Runs `warden policy check`; returns the exit code. */
export function runCheck(argv: readonly string[], io: CliIo): number {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    strict: true,
    tokens: true,
    allowPositionals: true,
    options: {
      source: { type: 'string' },
      trust: { type: 'string' },
      session: { type: 'string' },
      tool: { type: 'string' },
      capability: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  refuseRepeatedOptions(tokens);
  if (values.help) {
    io.out(CHECK_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('policy check takes exactly one <config> file');
  if (values.source === undefined) throw new UsageError('--source <type> is required');
  if (!isInjectionSourceType(values.source)) {
    throw new UsageError(
      `unknown source type ${JSON.stringify(values.source)}; expected one of ${INJECTION_SOURCE_TYPES.join(', ')}`,
    );
  }
  if (values.trust !== undefined && !isTrustLevel(values.trust)) {
    throw new UsageError(
      `unknown trust level ${JSON.stringify(values.trust)}; expected one of ${TRUST_LEVELS.join(', ')}`,
    );
  }
  if ((values.tool === undefined) === (values.capability === undefined)) {
    throw new UsageError('give exactly one of --tool <name> or --capability <name>');
  }
  if (values.capability !== undefined && !isCapabilityName(values.capability)) {
    throw new UsageError(`${JSON.stringify(values.capability)} is not a capability name`);
  }
  if (values.tool === '' || values.session === '') throw new UsageError('--tool and --session must not be empty');
  const config = loadConfig(positionals[0] as string);
  const type: InjectionSourceType = values.source;
  const source = createInjectionSource(
    type,
    values.trust !== undefined && isTrustLevel(values.trust) ? { trustLevel: values.trust } : {},
  );
  const session = values.session ?? 'main';
  const explanation =
    values.tool !== undefined
      ? explainToolAccess(config, source, session, values.tool)
      : explainCapability(config, source, session, values.capability as string);
  const subject = values.tool !== undefined ? `tool ${values.tool}` : `capability ${values.capability}`;
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          allowed: explanation.result.allowed,
          subject: values.tool !== undefined ? { tool: values.tool } : { capability: values.capability },
          source: { type: source.type, trustLevel: source.trustLevel },
          session,
          ...withoutPolicy(explanation),
        },
        null,
        2,
      ),
    );
  } else {
    io.out(formatExplanation(explanation, subject, `${source.type} (${source.trustLevel})`, session));
  }
  return explanation.result.allowed ? EXIT.ok : EXIT.findings;
}

function withoutPolicy(explanation: AccessExplanation): Omit<AccessExplanation, 'policy'> & { policy: unknown } {
  return { ...explanation, policy: { ...explanation.policy } };
}

/** Renders an explanation for people. */
export function formatExplanation(
  explanation: AccessExplanation,
  subject: string,
  who: string,
  session: string,
): string {
  const { result } = explanation;
  const verdict = result.allowed ? (result.warning !== undefined ? 'ALLOWED (warn mode)' : 'ALLOWED') : 'DENIED';
  const lines = [
    `${verdict}: ${subject} for ${who} in session ${session}`,
    `decided by: ${explanation.decidedBy} [${explanation.rule}]`,
  ];
  if (result.warning !== undefined) lines.push(`warning: enforce would deny: ${result.warning}`);
  if (explanation.enforcement === 'off' && !explanation.allowedByPolicy) {
    lines.push('note: enforcement is off; enforce would deny this');
  }
  lines.push('layers (applied in order):');
  explanation.layers.forEach((layer, index) => {
    lines.push(`  ${index + 1}. ${layer.layer} (${layer.path})`);
    for (const line of layer.contributes) lines.push(`       ${line}`);
  });
  const access = explanation.sessionAccess;
  lines.push(
    access.allowed
      ? `session access: allowed`
      : `session access: denied (${access.reason ?? 'denied'})${access.suggestedGateway ? `; reachable through gateway ${access.suggestedGateway}` : ''}`,
  );
  lines.push('would change the answer:');
  for (const line of explanation.wouldChange) lines.push(`  - ${line}`);
  return lines.join('\n');
}
