/**
 * The `fetch` the built-in client sends every request through, so that a GitHub API that
 * stalls, redirects elsewhere or answers without end cannot hold a call, steer it to another
 * host, or fill the process's memory.
 *
 * @module
 */

/** What {@link createGuardedFetch} enforces on each attempt. */
export interface FetchLimits {
  /** Wall-clock limit of one attempt, from sending the request to the last byte of the answer. */
  timeoutMs: number;
  /** Largest answer body read, in bytes. */
  maxResponseBytes: number;
}

/** The statuses whose answer has no body (a `Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Returns a `fetch` that aborts an attempt after `limits.timeoutMs`, follows no redirect, and
 * reads the whole answer (at most `limits.maxResponseBytes`) before handing it on. Reading it
 * here matters: Octokit reads the body itself and turns a body that fails half-way into an empty
 * answer, so a timeout while the body trickles in would pass as success. Here any such failure
 * rejects, and Octokit reports it as a network error (which the retry plugin retries, each
 * attempt with its own deadline).
 */
export function createGuardedFetch(limits: FetchLimits): typeof fetch {
  return async (input, init = {}) => {
    const deadline = AbortSignal.timeout(limits.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    // GitHub's API answers the calls Warden makes without redirects. A redirect would send the
    // request (and a 307's body) to wherever it points and take that host's answer as GitHub's.
    const response = await fetch(input, { ...init, signal, redirect: 'manual' });
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel();
      throw new Error(`GitHub answered with a redirect (${response.status}), which is never followed`);
    }
    const body = NULL_BODY_STATUSES.has(response.status) ? null : await readBody(response, limits.maxResponseBytes);
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Reads the body, refusing it as soon as it passes `maxBytes` (whatever `content-length` claims). */
async function readBody(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new Error(`GitHub's answer is larger than ${maxBytes} bytes`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
