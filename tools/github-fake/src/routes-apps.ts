/**
 * GitHub App endpoints: create an installation access token (app JWT) and revoke one (the
 * installation token itself).
 *
 * @module
 */
import { type FakePermissionLevel, TokenRequestRefusedError } from './app-installations.js';
import { FakeHttpError, isoTime, type Route } from './fake-routes.js';
import { renderRepository } from './github-objects.js';

interface TokenRequestBody {
  repositories?: string[];
  repository_ids?: number[];
  permissions?: Record<string, FakePermissionLevel>;
}

/** The app routes. */
export const appRoutes: readonly Route[] = [
  {
    operationId: 'apps/create-installation-access-token',
    access: { kind: 'app' },
    handle: (context) => {
      const request = (context.body ?? {}) as TokenRequestBody;
      try {
        const { world } = context;
        const minted = world.apps.mint(Number(context.params.installation_id), request, context.now);
        // GitHub lists the repositories of a narrowed token; a token for every repository lists none.
        const repositories = world.repositories.filter((repository) => minted.repositories.includes(repository.name));
        return {
          status: 201,
          body: {
            token: minted.token,
            expires_at: isoTime(minted.expiresAt),
            permissions: minted.permissions,
            repository_selection: minted.repositorySelection,
            ...(minted.repositorySelection === 'selected'
              ? { repositories: repositories.map((repository) => renderRepository(world.baseUrl, repository)) }
              : {}),
          },
        };
      } catch (error) {
        if (error instanceof TokenRequestRefusedError) throw new FakeHttpError(error.status, error.message);
        throw error;
      }
    },
  },
  {
    operationId: 'apps/revoke-installation-access-token',
    access: { kind: 'installation' },
    handle: (context) => {
      if (context.caller.kind === 'installation') context.caller.token.revoked = true;
      return { status: 204 };
    },
  },
];
