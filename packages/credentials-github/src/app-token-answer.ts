/**
 * GitHub's answer to "Create an installation access token for an app", checked before anything
 * in it is used: a hostile or broken API (or whatever answers in its place) may send a real
 * token inside an answer whose other fields have the wrong types.
 *
 * @module
 */
import { z } from 'zod';

/** What GitHub answers to a token request, as far as the issuer reads it. */
export interface InstallationTokenAnswer {
  token: string;
  expires_at: string;
  permissions?: Record<string, string>;
  repository_selection?: 'all' | 'selected';
  repositories?: Array<{ name: string }>;
}

const installationTokenAnswerSchema: z.ZodType<InstallationTokenAnswer> = z.object({
  token: z.string().min(1),
  expires_at: z.string().refine((time) => Number.isFinite(Date.parse(time)), 'must be a date-time'),
  permissions: z.record(z.string(), z.string()).optional(),
  repository_selection: z.enum(['all', 'selected']).optional(),
  repositories: z.array(z.object({ name: z.string() })).optional(),
});

/** The checked answer, or what is wrong with it and the token it carries (if any), to revoke. */
export type CheckedTokenAnswer =
  | { answer: InstallationTokenAnswer; problems?: undefined }
  | { problems: string; token: string | undefined };

/**
 * Checks `data` against the fields the issuer reads. The problems name the answer's top-level
 * fields only (the schema's own names), never values nor the keys inside them: `permissions` is
 * keyed by the answer, which could put the app JWT it was sent, the token or a forged log line
 * there.
 */
export function checkInstallationTokenAnswer(data: unknown): CheckedTokenAnswer {
  const result = installationTokenAnswerSchema.safeParse(data);
  if (result.success) return { answer: result.data };
  const token = (data as { token?: unknown } | null)?.token;
  const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0] ?? 'the answer')))];
  return { problems: fields.join(', '), token: typeof token === 'string' && token !== '' ? token : undefined };
}
