/**
 * The translation of GitHub's errors into Warden's, without any token or secret value in them.
 *
 * @module
 */
import { AccessDeniedError, BackendUnavailableError, WardenError } from '@warden/core';

/** The parts of Octokit's `RequestError` a backend reads. */
export interface GitHubHttpError {
  /** The HTTP status GitHub answered with. */
  status: number;
  /** GitHub's answer; its `data.message` is GitHub's own message. */
  response?: { data?: unknown };
}

/** True when `error` is an HTTP error from Octokit (its `RequestError`), with `status` when given. */
export function isGitHubHttpError(error: unknown, status?: number): error is GitHubHttpError {
  const candidate = error as { name?: unknown; status?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.name === 'HttpError' &&
    typeof candidate.status === 'number' &&
    (status === undefined || candidate.status === status)
  );
}

/** The HTTP status a Warden error from {@link toWardenError} was made from, if any. */
export function gitHubStatusOf(error: unknown): number | undefined {
  const status = (error as { cause?: { status?: unknown } } | null)?.cause?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Text shaped like GitHub's tokens (`ghs_…`, `github_pat_…`, legacy `v1.…` and the older bare 40
 * hex digits) or a JWT (an app's). Every form matches inside a word too: an echo glued to the
 * text around it (`tokenghs_…`, `x-ghs_…`, `access_token_<40 hex>`) is still the token, so any run
 * of 40 or more hex digits goes, with whatever hex letters the word put before it. A commit SHA is
 * 40 hex digits as well and is redacted with them: an error message is no place to read one from.
 */
const TOKEN_SHAPED =
  /(?:gh[pousr]_[A-Za-z0-9_]+|github_pat_[A-Za-z0-9_]+|v1\.[0-9a-fA-F]{40}|[0-9a-fA-F]{40,}|eyJ[\w-]+\.[\w-]+\.[\w-]+)/g;

/**
 * `text` with every token-shaped word (see above: `ghs_…`, `github_pat_…`, `v1.…`, 40 or more hex
 * digits, a JWT) replaced by `[redacted]`, glued to other text or not. For any text a Warden
 * error or log line quotes from somewhere that may hold a token: GitHub's answers, or what ran in
 * a codespace (which holds its own token).
 */
export function redactGitHubTokens(text: string): string {
  return text.replace(TOKEN_SHAPED, '[redacted]');
}

/** Longest part of a message from GitHub an error carries. */
const MAX_MESSAGE_LENGTH = 300;

/**
 * A message from GitHub as an error may carry it: whoever answers may echo the token it was sent,
 * forge log lines or pad without end, so token-shaped words are `[redacted]`, control and format
 * characters and line separators become spaces and the message is cut to 300 characters.
 */
function printableMessage(message: string): string {
  // Controls (C0, DEL, C1), format characters (bidi overrides, zero-width ones) and the Unicode
  // line and paragraph separators, which JavaScript, editors and log viewers break lines at.
  const oneLine = redactGitHubTokens(message).replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ');
  return oneLine.length > MAX_MESSAGE_LENGTH ? `${oneLine.slice(0, MAX_MESSAGE_LENGTH)}…` : oneLine;
}

/**
 * Translates a failed GitHub call into a Warden error: 401, 403 and 404 are `ACCESS_DENIED`;
 * rate limits that outlast the retries, 5xx, 422 and network failures are `BACKEND_UNAVAILABLE`
 * (a 422 answers a request Warden built, so it is not the caller's input at fault; callers that
 * know better map it themselves). The message carries the status and GitHub's own message
 * only (token-shaped words redacted, on one line, at most 300 characters); the original error (whose request holds headers and body) is not kept as `cause`, only
 * its `{ status }`, so no token or sealed value can travel with it. A Warden error (the client's
 * `INVALID_INPUT` for a request it refused to send) is returned as it is.
 */
export function toWardenError(error: unknown, action: string): WardenError {
  // Already typed (a request the client refused to send): its code says more than "unreachable".
  if (WardenError.isInstance(error)) return error;
  if (!isGitHubHttpError(error)) {
    const reason = printableMessage(error instanceof Error ? error.message : String(error));
    return new BackendUnavailableError({
      backend: 'github',
      message: `GitHub could not be reached to ${action}: ${reason}`,
    });
  }
  const gitHubMessage = (error.response?.data as { message?: unknown } | undefined)?.message;
  const detail = `${error.status}${typeof gitHubMessage === 'string' ? ` ${printableMessage(gitHubMessage)}` : ''}`;
  const cause = { status: error.status };
  const message = `GitHub refused to ${action} (${detail})`;
  if (error.status === 401) return new AccessDeniedError({ message: `${message}: check the credentials`, cause });
  if (error.status === 403 && !/rate limit/i.test(detail)) return new AccessDeniedError({ message, cause });
  if (error.status === 404)
    return new AccessDeniedError({ message: `${message}: missing, or hidden from these credentials`, cause });
  return new BackendUnavailableError({ backend: 'github', message: `GitHub failed to ${action} (${detail})`, cause });
}
