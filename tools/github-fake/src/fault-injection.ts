/**
 * Faults injected on demand: error statuses, rate limits (with GitHub's headers), slow
 * responses, answers lost after GitHub acted, and hostile answers (redirects, oversized
 * bodies), each for the next `times` matching requests.
 *
 * @module
 */

/** A fault to inject. Faults only hit requests that passed validation. */
export type FaultSpec = {
  /** Only requests for this operation (for example `actions/get-repo-public-key`); default: any. */
  operationId?: string;
  /** Only requests for this exact URL path (for example one secret's `DELETE …/secrets/NAME`); default: any. */
  path?: string;
  /** Only requests authenticated with this token (an installation token, to fail one revocation); default: any. */
  token?: string;
  /** How many matching requests it hits. @default 1 */
  times?: number;
} & (
  | {
      /** Answer with an error status and GitHub's basic error body. */
      kind: 'status';
      status: 400 | 401 | 403 | 404 | 409 | 422 | 500 | 502 | 503;
      message?: string;
    }
  | {
      /**
       * Answer 403 (or 429) as GitHub does when a rate limit is hit. `primary`: the hourly quota
       * (`x-ratelimit-remaining: 0`, `x-ratelimit-reset`); `secondary`: the abuse limit
       * (`retry-after`, "secondary rate limit" in the message).
       */
      kind: 'rate-limit';
      limit: 'primary' | 'secondary';
      retryAfterSeconds: number;
      status?: 403 | 429;
    }
  | {
      /** Wait before handling the request normally. */
      kind: 'delay';
      delayMs: number;
    }
  | {
      /**
       * GitHub acts on the request (creates the codespace, mints the token, …), then its answer
       * is lost: the connection is dropped without a response (`'drop'`), or a 5xx goes out in
       * place of the real answer. What a client that retries such a request does twice.
       */
      kind: 'lost-answer';
      answer: 'drop' | 500 | 502 | 503;
    }
  | {
      /**
       * A hostile API: answer with a redirect to `location` (for example another host). Not
       * validated against the description, which documents no redirect.
       */
      kind: 'redirect';
      location: string;
      status?: 301 | 302 | 307 | 308;
    }
  | {
      /**
       * A hostile API: answer 200 with a JSON body of about `bytes` bytes (a basic error whose
       * message is padded). Not validated against the description.
       */
      kind: 'oversized';
      bytes: number;
    }
);

/** A fault response: status, headers and a basic-error body. */
export interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: { message: string; documentation_url: string };
}

/** A registered fault; `hits` counts the requests it answered. */
export interface InjectedFault {
  readonly spec: FaultSpec;
  readonly hits: number;
}

const DOCS = 'https://docs.github.com/rest';

const STATUS_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Validation Failed',
  500: 'Internal Server Error',
  502: 'Server Error',
  503: 'Service Unavailable',
};

/** What a fault may match a request on besides its operation. */
export interface FaultedRequest {
  /** The URL path, without the query. */
  path?: string;
  /** The token of the `authorization` header (after `token ` or `bearer `). */
  token?: string;
}

interface FaultEntry {
  spec: FaultSpec;
  remaining: number;
  hits: number;
}

/** The queue of pending faults. */
export class FaultInjector {
  private readonly entries: FaultEntry[] = [];

  /** Registers a fault; returns a live view of it. */
  add(spec: FaultSpec): InjectedFault {
    const entry: FaultEntry = { spec, remaining: spec.times ?? 1, hits: 0 };
    this.entries.push(entry);
    return {
      spec,
      get hits() {
        return entry.hits;
      },
    };
  }

  /** Removes every pending fault. */
  clear(): void {
    this.entries.length = 0;
  }

  /** Takes the first pending fault that matches the request, counting the hit. */
  take(operationId: string, request: FaultedRequest = {}): FaultSpec | undefined {
    const matches = ({ spec }: FaultEntry) =>
      (!spec.operationId || spec.operationId === operationId) &&
      (spec.path === undefined || spec.path === request.path) &&
      (spec.token === undefined || spec.token === request.token);
    const entry = this.entries.find((candidate) => candidate.remaining > 0 && matches(candidate));
    if (!entry) return undefined;
    entry.remaining--;
    entry.hits++;
    if (entry.remaining === 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return entry.spec;
  }
}

/** A fault answer no description allows, sent as it is (see {@link renderFault}). */
export interface HostileFaultResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** Sent without validating it against the description. */
  unchecked: true;
}

/**
 * Renders a fault: a status or rate limit as GitHub would send it, or a hostile answer (a
 * redirect, an oversized body) marked `unchecked`.
 */
export function renderFault(
  spec: Exclude<FaultSpec, { kind: 'delay' } | { kind: 'lost-answer' }>,
  now: number,
): FaultResponse | HostileFaultResponse {
  if (spec.kind === 'redirect') {
    return { status: spec.status ?? 302, headers: { location: spec.location }, unchecked: true };
  }
  if (spec.kind === 'oversized') {
    return {
      status: 200,
      headers: {},
      body: { message: 'x'.repeat(spec.bytes), documentation_url: DOCS },
      unchecked: true,
    };
  }
  if (spec.kind === 'status') {
    const message = spec.message ?? STATUS_MESSAGES[spec.status] ?? 'Error';
    return { status: spec.status, headers: {}, body: { message, documentation_url: DOCS } };
  }
  const resetSeconds = Math.ceil(now / 1000) + spec.retryAfterSeconds;
  if (spec.limit === 'primary') {
    return {
      status: spec.status ?? 403,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(resetSeconds),
        'x-ratelimit-resource': 'core',
      },
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: DOCS },
    };
  }
  return {
    status: spec.status ?? 403,
    headers: { 'retry-after': String(spec.retryAfterSeconds) },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: DOCS,
    },
  };
}
