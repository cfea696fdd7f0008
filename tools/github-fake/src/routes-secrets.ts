/**
 * Actions secrets endpoints, for a repository and for one of its environments: public key,
 * create or update (sealed value), get, list, delete.
 *
 * @module
 */
import { SecretRejectedError, type SecretScope } from './actions-secret-store.js';
import { FakeHttpError, findRepository, isoTime, paginate, type Route, type RouteContext } from './fake-routes.js';

type ScopeKind = 'repo' | 'environment';

function scopeOf(context: RouteContext, kind: ScopeKind): SecretScope {
  const repository = findRepository(context);
  const scope: SecretScope = { owner: repository.owner, repo: repository.name };
  if (kind === 'repo') return scope;
  const environment = String(context.params.environment_name);
  if (!repository.environments.includes(environment)) throw new FakeHttpError(404, 'Not Found');
  return { ...scope, environment };
}

function renderSecret(secret: { name: string; createdAt: number; updatedAt: number }) {
  return { name: secret.name, created_at: isoTime(secret.createdAt), updated_at: isoTime(secret.updatedAt) };
}

function secretRoutes(kind: ScopeKind): Route[] {
  const suffix = kind === 'repo' ? 'repo' : 'environment';
  const access = { kind: 'user-or-installation', permission: kind === 'repo' ? 'secrets' : 'environments' } as const;
  return [
    {
      operationId: `actions/get-${suffix}-public-key`,
      access: { ...access, level: 'read' },
      handle: (context) => ({ status: 200, body: context.world.secrets.publicKey(scopeOf(context, kind)) }),
    },
    {
      operationId: `actions/create-or-update-${suffix}-secret`,
      access: { ...access, level: 'write' },
      handle: (context) => {
        const scope = scopeOf(context, kind);
        const sealed = context.body as { encrypted_value: string; key_id: string };
        try {
          const created = context.world.secrets.put(scope, String(context.params.secret_name), sealed, context.now);
          return created ? { status: 201, body: {} } : { status: 204 };
        } catch (error) {
          if (error instanceof SecretRejectedError) throw new FakeHttpError(422, error.message);
          throw error;
        }
      },
    },
    {
      operationId: `actions/get-${suffix}-secret`,
      access: { ...access, level: 'read' },
      handle: (context) => {
        const secret = context.world.secrets.get(scopeOf(context, kind), String(context.params.secret_name));
        if (!secret) throw new FakeHttpError(404, 'Not Found');
        return { status: 200, body: renderSecret(secret) };
      },
    },
    {
      operationId: `actions/list-${suffix}-secrets`,
      access: { ...access, level: 'read' },
      handle: (context) => {
        const all = context.world.secrets.list(scopeOf(context, kind));
        const { page, headers } = paginate(context, all);
        return { status: 200, headers, body: { total_count: all.length, secrets: page.map(renderSecret) } };
      },
    },
    {
      operationId: `actions/delete-${suffix}-secret`,
      access: { ...access, level: 'write' },
      handle: (context) => {
        const deleted = context.world.secrets.delete(scopeOf(context, kind), String(context.params.secret_name));
        if (!deleted) throw new FakeHttpError(404, 'Not Found');
        return { status: 204 };
      },
    },
  ];
}

/** The repository and environment secrets routes. */
export const actionsSecretRoutes: readonly Route[] = [...secretRoutes('repo'), ...secretRoutes('environment')];
