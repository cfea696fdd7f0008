/**
 * The `fetch` the built-in client sends every request through, so that a GitHub API that stalls
 * cannot hold a call forever.
 *
 * @module
 */

/** What {@link createGuardedFetch} enforces on each attempt. */
export interface FetchLimits {
  /** Wall-clock limit of one attempt, from sending the request to the last byte of the answer. */
  timeoutMs: number;
}

/** The statuses whose answer has no body (a `Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Returns a `fetch` that aborts an attempt after `limits.timeoutMs` and reads the whole answer
 * before handing it on. Reading it here matters: Octokit reads the body itself and turns a body
 * that fails half-way into an empty answer, so a timeout while the body trickles in would pass
 * as success. Here any such failure rejects, and Octokit reports it as a network error (which
 * the retry plugin retries, each attempt with its own deadline).
 */
export function createGuardedFetch(limits: FetchLimits): typeof fetch {
  return async (input, init = {}) => {
    const deadline = AbortSignal.timeout(limits.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const response = await fetch(input, { ...init, signal });
    const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
