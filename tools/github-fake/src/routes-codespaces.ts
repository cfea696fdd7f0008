/**
 * Codespaces endpoints for the authenticated user: create in a repository, get, list (all, or
 * one repository's), start, stop, delete, and the repository's machine types.
 *
 * @module
 */
import type { FakeCodespace } from './codespace-store.js';
import { FakeHttpError, findRepository, isoTime, paginate, type Route, type RouteContext } from './fake-routes.js';
import { renderMinimalRepository, renderSimpleUser } from './github-objects.js';

/** GitHub's documented limits. */
const MAX_DISPLAY_NAME_LENGTH = 48;
const IDLE_TIMEOUT_RANGE = [5, 240] as const;
const RETENTION_RANGE = [0, 43_200] as const;

interface CreateCodespaceBody {
  ref?: string;
  machine?: string;
  devcontainer_path?: string;
  display_name?: string;
  idle_timeout_minutes?: number;
  retention_period_minutes?: number;
}

/** Renders a codespace with every field GitHub's `codespace` schema requires. */
function renderCodespace(context: RouteContext, codespace: FakeCodespace): Record<string, unknown> {
  const { baseUrl, login, userId } = context.world;
  const url = `${baseUrl}/user/codespaces/${codespace.name}`;
  const user = renderSimpleUser(baseUrl, login, userId);
  return {
    id: codespace.id,
    name: codespace.name,
    display_name: codespace.displayName,
    environment_id: `env-${codespace.id}`,
    owner: user,
    billable_owner: user,
    repository: renderMinimalRepository(baseUrl, codespace.repository),
    machine: codespace.machine,
    devcontainer_path: codespace.devcontainerPath,
    prebuild: false,
    created_at: isoTime(codespace.createdAt),
    updated_at: isoTime(codespace.updatedAt),
    last_used_at: isoTime(codespace.updatedAt),
    state: codespace.state,
    url,
    git_status: {
      ahead: 0,
      behind: 0,
      has_unpushed_changes: false,
      has_uncommitted_changes: false,
      ref: codespace.ref,
    },
    location: 'WestUs2',
    idle_timeout_minutes: codespace.idleTimeoutMinutes,
    web_url: `https://${codespace.name}.github.dev`,
    machines_url: `${url}/machines`,
    start_url: `${url}/start`,
    stop_url: `${url}/stop`,
    pulls_url: null,
    recent_folders: [],
    pending_operation: false,
    retention_period_minutes: codespace.retentionPeriodMinutes,
    retention_expires_at: null,
  };
}

function requireInRange(value: number | undefined, [min, max]: readonly [number, number], field: string): void {
  if (value !== undefined && (value < min || value > max)) {
    throw new FakeHttpError(400, `${field} must be between ${min} and ${max}`);
  }
}

function createCodespace(context: RouteContext) {
  const repository = findRepository(context);
  const body = (context.body ?? {}) as CreateCodespaceBody;
  const machine = body.machine
    ? context.world.machines.find((candidate) => candidate.name === body.machine)
    : context.world.machines[0];
  if (!machine) throw new FakeHttpError(400, `Machine type "${body.machine}" is not available for this repository`);
  if (body.display_name !== undefined && body.display_name.length > MAX_DISPLAY_NAME_LENGTH) {
    throw new FakeHttpError(400, `display_name is too long (maximum is ${MAX_DISPLAY_NAME_LENGTH} characters)`);
  }
  requireInRange(body.idle_timeout_minutes, IDLE_TIMEOUT_RANGE, 'idle_timeout_minutes');
  requireInRange(body.retention_period_minutes, RETENTION_RANGE, 'retention_period_minutes');
  const codespace = context.world.codespaces.create({
    repository,
    machine,
    ref: body.ref ?? 'main',
    devcontainerPath: body.devcontainer_path ?? null,
    displayName: body.display_name ?? null,
    idleTimeoutMinutes: body.idle_timeout_minutes ?? 30,
    retentionPeriodMinutes: body.retention_period_minutes ?? null,
  });
  return { status: 201, body: renderCodespace(context, codespace) };
}

function findCodespace(context: RouteContext, options: { allowDeleted: boolean }): FakeCodespace {
  const codespace = context.world.codespaces.get(String(context.params.codespace_name));
  if (!codespace || (!options.allowDeleted && codespace.state === 'Deleted')) throw new FakeHttpError(404, 'Not Found');
  return codespace;
}

function listCodespaces(context: RouteContext, repositoryId: number | undefined) {
  const all = context.world.codespaces.list(repositoryId);
  const { page, headers } = paginate(context, all);
  const codespaces = page.map((codespace) => renderCodespace(context, codespace));
  return { status: 200, headers, body: { total_count: all.length, codespaces } };
}

/** The codespaces routes. */
export const codespaceRoutes: readonly Route[] = [
  {
    operationId: 'codespaces/create-with-repo-for-authenticated-user',
    access: { kind: 'user' },
    handle: createCodespace,
  },
  {
    operationId: 'codespaces/get-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => ({
      status: 200,
      body: renderCodespace(context, findCodespace(context, { allowDeleted: true })),
    }),
  },
  {
    operationId: 'codespaces/list-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => listCodespaces(context, context.params.repository_id as number | undefined),
  },
  {
    operationId: 'codespaces/list-in-repository-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => listCodespaces(context, findRepository(context).id),
  },
  {
    operationId: 'codespaces/start-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => {
      const codespace = findCodespace(context, { allowDeleted: false });
      context.world.codespaces.start(codespace);
      return { status: 200, body: renderCodespace(context, codespace) };
    },
  },
  {
    operationId: 'codespaces/stop-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => {
      const codespace = findCodespace(context, { allowDeleted: false });
      context.world.codespaces.stop(codespace);
      return { status: 200, body: renderCodespace(context, codespace) };
    },
  },
  {
    operationId: 'codespaces/delete-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => {
      context.world.codespaces.delete(findCodespace(context, { allowDeleted: false }));
      return { status: 202, body: {} };
    },
  },
  {
    operationId: 'codespaces/repo-machines-for-authenticated-user',
    access: { kind: 'user' },
    handle: (context) => {
      findRepository(context);
      return { status: 200, body: { total_count: context.world.machines.length, machines: context.world.machines } };
    },
  },
];
