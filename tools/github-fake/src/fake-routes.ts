/**
 * What every route handler receives and returns, and the helpers they share.
 *
 * @module
 */
import type { ActionsSecretStore } from './actions-secret-store.js';
import type { AppInstallations, FakeInstallationToken, FakePermissionLevel } from './app-installations.js';
import type { CodespaceStore, FakeMachine } from './codespace-store.js';
import type { FakeRepository } from './github-objects.js';

/** Everything the fake holds. */
export interface FakeWorld {
  /** Base URL of the fake (no trailing slash). */
  baseUrl: string;
  /** Login of the authenticated user. */
  login: string;
  /** Numeric id of the authenticated user. */
  userId: number;
  repositories: FakeRepository[];
  machines: FakeMachine[];
  codespaces: CodespaceStore;
  secrets: ActionsSecretStore;
  apps: AppInstallations;
}

/** Who sent a request, from its `authorization` header. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user' }
  | { kind: 'app' }
  | { kind: 'installation'; token: FakeInstallationToken };

/** What a handler receives. */
export interface RouteContext {
  /** Path and query parameters, coerced to their documented types. */
  params: Record<string, unknown>;
  /** The parsed JSON body (already validated against the description). */
  body: unknown;
  /** The fake's clock. */
  now: number;
  /** The request's own URL, for pagination links. */
  url: URL;
  caller: Caller;
  world: FakeWorld;
}

/** What a handler answers. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A hostile answer injected on purpose: sent without validating it against the description. */
  unchecked?: boolean;
  /** No answer at all: the connection is destroyed (a lost answer); `status` is recorded as 0. */
  dropConnection?: boolean;
}

/** Who may call a route. */
export type RouteAccess =
  | { kind: 'user' }
  | { kind: 'app' }
  | { kind: 'installation' }
  | { kind: 'user-or-installation'; permission: string; level: FakePermissionLevel };

/** One operation the fake plays. */
export interface Route {
  operationId: string;
  access: RouteAccess;
  handle(context: RouteContext): RouteResult;
}

/** Thrown by handlers: becomes a response with GitHub's basic error body. */
export class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GitHub's date-time format: ISO-8601 without milliseconds. */
export function isoTime(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Finds the repository named by the `owner` and `repo` parameters, or throws a 404. */
export function findRepository(context: RouteContext): FakeRepository {
  const owner = String(context.params.owner).toLowerCase();
  const name = String(context.params.repo).toLowerCase();
  const repository = context.world.repositories.find(
    (candidate) => candidate.owner.toLowerCase() === owner && candidate.name.toLowerCase() === name,
  );
  if (!repository) throw new FakeHttpError(404, 'Not Found');
  const token = context.caller.kind === 'installation' ? context.caller.token : undefined;
  if (token && !token.repositories.includes(repository.name)) throw new FakeHttpError(404, 'Not Found');
  return repository;
}

/**
 * Slices `items` by the `page` and `per_page` parameters (GitHub: 30 per page by default, at
 * most 100) and adds the `link` header Octokit's paginate follows.
 */
export function paginate<Item>(
  context: RouteContext,
  items: readonly Item[],
): { page: Item[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(context.params.per_page ?? 30), 1), 100);
  const page = Math.max(Number(context.params.page ?? 1), 1);
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
  const links: string[] = [];
  const linkTo = (target: number, rel: string) => {
    const url = new URL(`${context.world.baseUrl}${context.url.pathname}${context.url.search}`);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(target));
    links.push(`<${url.toString()}>; rel="${rel}"`);
  };
  if (page < lastPage) {
    linkTo(page + 1, 'next');
    linkTo(lastPage, 'last');
  }
  if (page > 1) {
    linkTo(1, 'first');
    linkTo(page - 1, 'prev');
  }
  const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
  return { page: items.slice((page - 1) * perPage, page * perPage), headers };
}
