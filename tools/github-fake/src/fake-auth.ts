/**
 * Authentication as GitHub does it: `authorization: token …` or `bearer …` carrying a user
 * token, an installation token or an app JWT; each route says which it accepts.
 *
 * @module
 */
import type { FakePermissionLevel } from './app-installations.js';
import { type Caller, FakeHttpError, type FakeWorld, type RouteAccess } from './fake-routes.js';

const RANK: Readonly<Record<FakePermissionLevel, number>> = { read: 1, write: 2, admin: 3 };

/** Works out who is calling; throws a 401 for a credential the fake does not know. */
export function identifyCaller(
  header: string | undefined,
  world: FakeWorld,
  userTokens: ReadonlySet<string>,
  now: number,
): Caller {
  if (!header) return { kind: 'anonymous' };
  const match = /^(token|bearer)\s+(\S+)$/i.exec(header.trim());
  const credential = match?.[2];
  if (!credential) throw new FakeHttpError(401, 'Bad credentials');
  if (userTokens.has(credential)) return { kind: 'user' };
  const token = world.apps.activeToken(credential, now);
  if (token) return { kind: 'installation', token };
  if (credential.split('.').length === 3) {
    if (world.apps.verifyAppJwt(credential, now)) return { kind: 'app' };
    throw new FakeHttpError(401, "'Expiration time' claim ('exp') is too far in the future or the JWT is invalid");
  }
  throw new FakeHttpError(401, 'Bad credentials');
}

/** Throws the 401 or 403 GitHub answers when `caller` may not use a route. */
export function checkAccess(caller: Caller, access: RouteAccess): void {
  if (caller.kind === 'anonymous') throw new FakeHttpError(401, 'Requires authentication');
  switch (access.kind) {
    case 'user':
      if (caller.kind !== 'user') throw new FakeHttpError(403, 'Resource not accessible by integration');
      return;
    case 'app':
      if (caller.kind !== 'app') throw new FakeHttpError(401, 'A JSON web token could not be decoded');
      return;
    case 'installation':
      if (caller.kind !== 'installation') throw new FakeHttpError(401, 'Bad credentials');
      return;
    case 'user-or-installation': {
      if (caller.kind === 'user') return;
      const granted = caller.kind === 'installation' ? caller.token.permissions[access.permission] : undefined;
      if (!granted || RANK[granted] < RANK[access.level]) {
        throw new FakeHttpError(403, 'Resource not accessible by integration');
      }
      return;
    }
  }
}
