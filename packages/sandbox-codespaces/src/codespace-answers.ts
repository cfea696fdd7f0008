/**
 * GitHub's Codespaces answers, checked before the sandbox reads them: a hostile or broken API
 * (or whatever answers in its place) may send fields of the wrong type, and a bare `TypeError`
 * from deep inside, or a machine size that compares as `NaN`, must never stand for an answer.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import { z } from 'zod';
import type { CodespaceMachine, CodespaceRecord } from './codespaces-api.js';

const machineSchema: z.ZodType<CodespaceMachine> = z.object({
  name: z.string().min(1),
  cpus: z.number().int().positive(),
  memory_in_bytes: z.number().int().positive(),
});

/** The fields of a `codespace` object the sandbox reads. */
export const codespaceAnswerSchema: z.ZodType<CodespaceRecord> = z.object({
  name: z.string().min(1),
  display_name: z.string().nullish(),
  state: z.string(),
  created_at: z.string(),
  machine: machineSchema.nullable(),
  repository: z.object({ full_name: z.string() }),
  idle_timeout_minutes: z.number().nullable(),
  retention_period_minutes: z.number().nullish(),
});

/** One page of "List codespaces in a repository for the authenticated user". */
export const codespacePageSchema: z.ZodType<{ total_count: number; codespaces: CodespaceRecord[] }> = z.object({
  total_count: z.number().int().nonnegative(),
  codespaces: z.array(codespaceAnswerSchema),
});

/** The answer of "List available machine types for a repository". */
export const machinesAnswerSchema: z.ZodType<{ machines: CodespaceMachine[] }> = z.object({
  machines: z.array(machineSchema),
});

/**
 * Returns `data` checked against `schema`.
 *
 * @throws `BackendUnavailableError` naming the fields at fault (never their values).
 */
export function checkAnswer<Answer>(schema: z.ZodType<Answer>, data: unknown, action: string): Answer {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || 'the answer'))];
  throw new BackendUnavailableError({
    backend: 'github',
    message: `GitHub's answer to ${action} is malformed (${fields.slice(0, 5).join(', ')})`,
  });
}

/**
 * Text shaped like a GitHub token (`ghu_…`, `github_pat_…`, legacy `v1.…`, the classic 40 hex
 * digits of OAuth and older personal access tokens), anywhere in the word, as a token glued to
 * other letters is still the token (no state or machine name holds 40 hex digits in a row), or a
 * JWT.
 */
const TOKEN_SHAPED = /gh[pousr]_|github_pat_|v1\.|^eyJ|[0-9a-fA-F]{40}/;

/**
 * A word from an answer (a state, a machine name) as a message or a status may repeat it: one
 * that is not a plain name, or is shaped like a token, reads `(not shown)`. Whoever answers for
 * GitHub chooses these words, and could put the token it was sent or a forged log line there.
 */
export function shownWord(word: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(word) && !TOKEN_SHAPED.test(word) ? word : '(not shown)';
}
