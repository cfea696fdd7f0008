/**
 * The Codespaces REST calls the sandbox makes, with 404 turned into `undefined`/`false` and
 * every other failure into a Warden error.
 *
 * @module
 */
import { BackendUnavailableError, WardenError } from '@warden/core';
import { type GitHubClient, isGitHubHttpError, toWardenError } from '@warden/github-client';
import { checkAnswer, codespaceAnswerSchema, codespacePageSchema, machinesAnswerSchema } from './codespace-answers.js';

/** The fields of GitHub's `codespace` object the sandbox reads. */
export interface CodespaceRecord {
  name: string;
  display_name?: string | null;
  state: string;
  created_at: string;
  machine: { name: string; cpus: number; memory_in_bytes: number } | null;
  repository: { full_name: string };
  idle_timeout_minutes: number | null;
  retention_period_minutes?: number | null;
}

/** A machine type. */
export interface CodespaceMachine {
  name: string;
  cpus: number;
  memory_in_bytes: number;
}

/** The body of "Create a codespace in a repository", as the sandbox fills it. */
interface CreateCodespaceRequest {
  ref?: string;
  machine: string;
  devcontainer_path?: string;
  display_name: string;
  idle_timeout_minutes: number;
  retention_period_minutes: number;
  geo?: 'EuropeWest' | 'SoutheastAsia' | 'UsEast' | 'UsWest';
}

/** The Codespaces of one repository, for the authenticated user. */
export interface CodespacesApi {
  /** Sent once, never retried after a 5xx or a network failure (see {@link createCodespacesApi}). */
  create(request: CreateCodespaceRequest): Promise<CodespaceRecord>;
  /** `undefined` when GitHub answers 404. */
  get(name: string): Promise<CodespaceRecord | undefined>;
  list(): Promise<CodespaceRecord[]>;
  /** False when GitHub answers 404. */
  start(name: string): Promise<boolean>;
  /** False when GitHub answers 404. */
  stop(name: string): Promise<boolean>;
  /** False when GitHub answers 404. */
  delete(name: string): Promise<boolean>;
  machines(ref: string | undefined): Promise<CodespaceMachine[]>;
}

const PAGE_SIZE = 100;

/** Creates the API for `owner/repo` on `client`. */
export function createCodespacesApi(client: GitHubClient, repository: { owner: string; repo: string }): CodespacesApi {
  const call = async <Result>(action: string, run: () => Promise<Result>): Promise<Result> => {
    try {
      return await run();
    } catch (error) {
      // A malformed answer is already a Warden error (see checkAnswer); the rest is GitHub's.
      throw WardenError.isInstance(error) ? error : toWardenError(error, action);
    }
  };
  // `name` becomes a path segment, and URLs resolve `.` and `..` away (`/user/codespaces/..` is
  // `/user/`): such a name would reach another endpoint, so it names no codespace and is never sent.
  const orNotFound = <Result>(
    action: string,
    name: string,
    run: () => Promise<Result>,
    notFound: Result,
  ): Promise<Result> =>
    isDotSegment(name)
      ? Promise.resolve(notFound)
      : call(action, async () => {
          try {
            return await run();
          } catch (error) {
            if (isGitHubHttpError(error, 404)) return notFound;
            throw error;
          }
        });
  const byName = (name: string) => ({ codespace_name: name });
  return {
    create: (request) =>
      call('create a codespace', async () => {
        const { data } = await client.request('POST /repos/{owner}/{repo}/codespaces', {
          ...repository,
          ...request,
          // Never resent: a 5xx or a lost answer may follow a codespace GitHub did make, and a
          // second POST would make another. The sandbox looks it up by its display name instead.
          // (`@octokit/plugin-retry` reads this per request; a rate limit, which GitHub answers
          // without acting, is still waited out and resent by the throttling plugin.)
          request: { retries: 0 },
        });
        return checkAnswer(codespaceAnswerSchema, data, 'create a codespace');
      }),
    get: (name) =>
      orNotFound(
        'read a codespace',
        name,
        async () =>
          requireNamed(
            name,
            checkAnswer(
              codespaceAnswerSchema,
              (await client.request('GET /user/codespaces/{codespace_name}', byName(name))).data,
              'read a codespace',
            ),
          ),
        undefined,
      ),
    list: () => call('list codespaces', () => listAll(client, repository)),
    start: (name) =>
      orNotFound(
        'start a codespace',
        name,
        async () => Boolean(await client.request('POST /user/codespaces/{codespace_name}/start', byName(name))),
        false,
      ),
    stop: (name) =>
      orNotFound(
        'stop a codespace',
        name,
        async () => Boolean(await client.request('POST /user/codespaces/{codespace_name}/stop', byName(name))),
        false,
      ),
    delete: (name) =>
      orNotFound(
        'delete a codespace',
        name,
        async () => Boolean(await client.request('DELETE /user/codespaces/{codespace_name}', byName(name))),
        false,
      ),
    machines: (ref) =>
      call('list machine types', async () => {
        const { data } = await client.request('GET /repos/{owner}/{repo}/codespaces/machines', {
          ...repository,
          ...(ref === undefined ? {} : { ref }),
        });
        return checkAnswer(machinesAnswerSchema, data, 'list machine types').machines;
      }),
  };
}

/** More codespaces than one user could have in a repository: a hostile API's way to fill memory. */
const MAX_CODESPACES = 100_000;

async function listAll(client: GitHubClient, repository: { owner: string; repo: string }): Promise<CodespaceRecord[]> {
  // By name: a GitHub that repeats a page (or ignores `page`) must not report a codespace twice.
  const codespaces = new Map<string, CodespaceRecord>();
  let received = 0;
  for (let page = 1; page <= 1000; page++) {
    const { data: answer } = await client.request('GET /repos/{owner}/{repo}/codespaces', {
      ...repository,
      per_page: PAGE_SIZE,
      page,
    });
    const data = checkAnswer(codespacePageSchema, answer, 'list codespaces');
    const before = codespaces.size;
    for (const codespace of data.codespaces) codespaces.set(codespace.name, codespace);
    received += data.codespaces.length;
    if (codespaces.size > MAX_CODESPACES) {
      throw new BackendUnavailableError({
        backend: 'github',
        message: `GitHub listed over ${MAX_CODESPACES} codespaces`,
      });
    }
    // A full page with nothing new is a GitHub repeating itself: asking on would bring only more of it.
    const last = data.codespaces.length < PAGE_SIZE || received >= data.total_count;
    if (last || codespaces.size === before) break;
  }
  return [...codespaces.values()];
}

/**
 * Returns `codespace` when it is the one asked for: an answer about another codespace (a hostile
 * or broken API) would report, run in or delete the wrong one.
 *
 * @throws `BackendUnavailableError` otherwise.
 */
function requireNamed(name: string, codespace: CodespaceRecord): CodespaceRecord {
  if (codespace.name === name) return codespace;
  throw new BackendUnavailableError({
    backend: 'github',
    message: `GitHub answered about another codespace than ${name}`,
  });
}

/** True for `.` and `..`, the path segments a URL resolves away. */
function isDotSegment(name: string): boolean {
  return name === '.' || name === '..';
}
