import { InvalidInputError, parseInput, type SandboxCommand } from '@warden/core';
import { z } from 'zod';

/** What a message asks of an agent session: some text, and optionally a tool to use. */
export interface AgentRequest {
  /** The message itself. */
  message: string;
  /** The tool the agent should use (`Bash` runs `command` in a sandbox). */
  tool?: string | undefined;
  /** For `Bash`: a shell string (run by `/bin/sh -c` inside the sandbox) or an argv array (no shell). */
  command?: SandboxCommand | undefined;
  /**
   * The client's claim about the action type. The host derives the type a gateway checks from
   * what will run (`run` with a tool, else `message`); a claim can only narrow that: any other
   * value is refused, so a `Bash` run labelled `message` passes no message-only gateway.
   */
  actionType?: string | undefined;
}

const toolName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be a tool name (letters, digits, "_", ".", ":", "-")');
const commandSchema = z.union([z.string().min(1).max(10_000), z.array(z.string().max(10_000)).min(1).max(256)]);

/** Validates the body of `POST /sessions/:session/messages`. */
export const agentRequestSchema: z.ZodType<AgentRequest> = z
  .object({
    message: z.string().min(1).max(10_000),
    tool: toolName.optional(),
    command: commandSchema.optional(),
    actionType: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a short action name')
      .optional(),
  })
  .strict()
  .superRefine((request, context) => {
    if (request.command !== undefined && request.tool === undefined) {
      context.addIssue({ code: 'custom', path: ['tool'], message: 'is required with command' });
    }
    if (request.tool === 'Bash' && request.command === undefined) {
      context.addIssue({ code: 'custom', path: ['command'], message: 'is required for Bash' });
    }
  });

/**
 * The action type a gateway sees for a request, derived from what will run: `run` when a tool
 * is used, `message` otherwise. The client's `actionType` cannot change it, only narrow it: a
 * claim other than the derived type is refused.
 *
 * @throws `InvalidInputError` naming `actionType` when the claim differs from what will run.
 */
export function actionTypeOf(request: AgentRequest): string {
  const derived = request.tool === undefined ? 'message' : 'run';
  if (request.actionType === undefined || request.actionType === derived) return derived;
  const problem = `must be "${derived}" for a request that ${request.tool === undefined ? 'uses no tool' : `runs ${request.tool}`}`;
  throw new InvalidInputError({
    message: `The action type is derived from what will run: ${problem}`,
    issues: [{ path: 'actionType', message: problem }],
  });
}

/**
 * The gateway carries one string per request, and its approval is bound to that string's digest:
 * the whole request goes in it, so an approved command is exactly the command that runs.
 */
export function encodeAgentRequest(request: AgentRequest): string {
  return JSON.stringify({ message: request.message, tool: request.tool, command: request.command });
}

/** Reads a request back from a gateway message (validated again: it crossed a queue). */
export function decodeAgentRequest(message: string): AgentRequest {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    value = undefined;
  }
  return parseInput(agentRequestSchema, value, 'forwarded request');
}
