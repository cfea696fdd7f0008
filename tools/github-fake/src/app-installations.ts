/**
 * A GitHub App with installations: app JWTs (RS256) are verified against the app's public key,
 * installation access tokens are minted narrowed to repositories and permissions the
 * installation holds, expire after an hour and can be revoked.
 *
 * @module
 */
import { generateKeyPairSync, type KeyObject, randomInt, verify } from 'node:crypto';

/** A permission level as GitHub spells it. */
export type FakePermissionLevel = 'read' | 'write' | 'admin';

/** One installation of the fake app. */
export interface FakeInstallation {
  id: number;
  /** The permissions the installation was granted. */
  permissions: Record<string, FakePermissionLevel>;
  /** Repository names (under the fake's owner) the installation can reach. */
  repositories: string[];
  /**
   * Permissions added to every token whatever was asked. GitHub adds `metadata: read` to
   * repository tokens (the default when the installation has `metadata`); a test can add more to
   * play a GitHub that grants beyond the request.
   */
  alwaysGrant?: Record<string, FakePermissionLevel>;
}

/** A minted installation access token. */
export interface FakeInstallationToken {
  token: string;
  installationId: number;
  permissions: Record<string, FakePermissionLevel>;
  /** Repository names the token is limited to. */
  repositories: string[];
  /** `all` when the token reaches every repository of the installation (nothing was narrowed). */
  repositorySelection: 'all' | 'selected';
  expiresAt: number;
  revoked: boolean;
}

/**
 * A GitHub that grants more than asked, for the next `times` token requests: the listed
 * repositories (or, with `'all'`, every repository of the installation, reported as
 * `repository_selection: all`) and permissions are added to what the request narrowed to.
 */
export interface FakeOverGrant {
  /** Repositories added to the token, or `'all'`. */
  repositories?: string[] | 'all';
  /** Permissions added to (or raised on) the token. */
  permissions?: Record<string, FakePermissionLevel>;
  /** How many token requests it hits. @default 1 */
  times?: number;
}

/** Why a token request was refused, with the HTTP status GitHub answers. */
export class TokenRequestRefusedError extends Error {
  constructor(
    readonly status: 401 | 404 | 422,
    message: string,
  ) {
    super(message);
  }
}

const RANK: Readonly<Record<FakePermissionLevel, number>> = { read: 1, write: 2, admin: 3 };
const TOKEN_LIFETIME_MS = 3_600_000;
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The fake's GitHub App, its installations and the tokens minted for them. */
export class AppInstallations {
  /** The app's id (the JWT's `iss`). */
  readonly appId: number;
  /** The app's private key (PEM), for the code under test to sign JWTs with. */
  readonly privateKeyPem: string;
  private readonly publicKey: KeyObject;
  private readonly installations = new Map<number, FakeInstallation>();
  private readonly tokens = new Map<string, FakeInstallationToken>();
  private readonly overGrants: Array<FakeOverGrant & { remaining: number }> = [];

  constructor(installations: readonly FakeInstallation[], appId = 424242) {
    const pair = sharedAppKeyPair();
    this.appId = appId;
    this.publicKey = pair.publicKey;
    this.privateKeyPem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    for (const installation of installations) this.installations.set(installation.id, structuredClone(installation));
  }

  /** True when `jwt` is an RS256 JWT for this app, signed by its key and valid at `now`. */
  verifyAppJwt(jwt: string, now: number): boolean {
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return false;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return false;
    try {
      const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
      const seconds = now / 1000;
      const { iat, exp, iss } = claims;
      if (head.alg !== 'RS256' || typeof iat !== 'number' || typeof exp !== 'number') return false;
      // GitHub: iss is the app id, iat not in the future (60 s skew allowed), exp at most 10 minutes after iat.
      return String(iss) === String(this.appId) && iat <= seconds + 60 && exp > seconds && exp - iat <= 660;
    } catch {
      return false;
    }
  }

  /** Mints a token, narrowed to `request`; refuses anything the installation lacks. */
  mint(
    installationId: number,
    request: { repositories?: string[]; repository_ids?: number[]; permissions?: Record<string, FakePermissionLevel> },
    now: number,
  ): FakeInstallationToken {
    const installation = this.installations.get(installationId);
    if (!installation) throw new TokenRequestRefusedError(404, 'Not Found');
    if (request.repository_ids?.length) {
      throw new TokenRequestRefusedError(422, 'The fake resolves repositories by name only; send repositories');
    }
    const permissions = request.permissions ?? installation.permissions;
    for (const [name, level] of Object.entries(permissions)) {
      const granted = installation.permissions[name];
      if (!granted || RANK[granted] < RANK[level]) {
        throw new TokenRequestRefusedError(422, 'The permissions requested are not granted to this installation.');
      }
    }
    const repositories = request.repositories ?? installation.repositories;
    if (repositories.some((name) => !installation.repositories.includes(name))) {
      throw new TokenRequestRefusedError(
        422,
        'There is at least one repository that does not exist or is not accessible to the parent installation.',
      );
    }
    const implicit =
      installation.alwaysGrant ?? (installation.permissions.metadata ? { metadata: 'read' as const } : {});
    const overGrant = this.takeOverGrant();
    const granted = overGrant?.repositories === 'all' ? installation.repositories : repositories;
    const extra = Array.isArray(overGrant?.repositories) ? overGrant.repositories : [];
    const minted: FakeInstallationToken = {
      token: generateToken(),
      installationId,
      permissions: { ...implicit, ...permissions, ...overGrant?.permissions },
      repositories: [...new Set([...granted, ...extra])],
      repositorySelection: overGrant?.repositories === 'all' || !request.repositories ? 'all' : 'selected',
      expiresAt: now + TOKEN_LIFETIME_MS,
      revoked: false,
    };
    this.tokens.set(minted.token, minted);
    return minted;
  }

  /** Makes the next `times` token requests grant more than asked. */
  grantMoreThanAsked(overGrant: FakeOverGrant): void {
    this.overGrants.push({ ...overGrant, remaining: overGrant.times ?? 1 });
  }

  private takeOverGrant(): FakeOverGrant | undefined {
    const overGrant = this.overGrants[0];
    if (!overGrant) return undefined;
    if (--overGrant.remaining <= 0) this.overGrants.shift();
    return overGrant;
  }

  /** The token record when `token` is a live installation token at `now`. */
  activeToken(token: string, now: number): FakeInstallationToken | undefined {
    const found = this.tokens.get(token);
    return found && !found.revoked && found.expiresAt > now ? found : undefined;
  }

  /** Every token minted so far (live, expired or revoked). */
  mintedTokens(): FakeInstallationToken[] {
    return [...this.tokens.values()];
  }
}

let appKeyPair: { publicKey: KeyObject; privateKey: KeyObject } | undefined;

/** One RSA key pair per process: generating one takes a noticeable fraction of a second. */
function sharedAppKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  appKeyPair ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return appKeyPair;
}

/**
 * Installation tokens have been about 520 characters since 2026-04-27; the fake mints them that
 * long so that code checking a token's length fails here first.
 */
function generateToken(): string {
  let body = '';
  for (let index = 0; index < 516; index++) body += TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)];
  return `ghs_${body}`;
}
