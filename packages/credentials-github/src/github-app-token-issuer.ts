/**
 * `createGitHubAppTokenIssuer`: the stronger option. Each credential is a GitHub App
 * installation access token narrowed to the scope's permissions and repositories, revoked
 * through the API, and checked after minting so that GitHub never grants more than was asked.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import {
  AccessDeniedError,
  BackendUnavailableError,
  CredentialNotFoundError,
  credentialIdSchema,
  credentialScopeSchema,
  emitSafely,
  InvalidInputError,
  type IssueCredentialOptions,
  type JITCredential,
  type JITCredentialIssuer,
  parseInput,
  parseTtl,
  QuotaExceededError,
  toIsoTime,
  type WardenError,
} from '@warden/core';
import { createGitHubClient, type GitHubClient, isGitHubHttpError, toWardenError } from '@warden/github-client';
import { type AppTokenPermissions, parseAppTokenScope, permissionsBeyond } from './app-permission-scope.js';
import { checkInstallationTokenAnswer, type InstallationTokenAnswer } from './app-token-answer.js';
import { signAppJwt } from './github-app-jwt.js';
import {
  type GitHubAppTokenIssuerConfig,
  type ParsedGitHubAppTokenIssuerConfig,
  parseGitHubAppTokenIssuerConfig,
} from './github-app-token-settings.js';
import { issuedCredential, REDACTED } from './issued-credential.js';
import { isBefore, readClock } from './issuer-clock.js';
import { removeEvery, withRetries } from './issuer-retry.js';
import { issueOptionsSchema } from './issuer-schemas.js';
import { startBackgroundSweep } from './issuer-sweep.js';

/** A {@link JITCredentialIssuer} minting GitHub App installation tokens. */
export interface GitHubAppTokenIssuer extends JITCredentialIssuer {
  /**
   * Revokes tokens whose TTL has passed while GitHub would still honour them (GitHub's tokens
   * live an hour; a shorter TTL is enforced by revoking). Tries every one, then retries the
   * failures with backoff. Resolves with the ids revoked; when some are still alive at the end,
   * rejects with a `SweepIncompleteError` (an `AggregateError` of their `WardenError`s, with
   * `alive` and `removed` ids), and those stay valid.
   */
  sweep(): Promise<string[]>;
  /**
   * How many credentials the issuer remembers now (at most `maxTrackedCredentials`): tokens it
   * must still revoke, tokens being minted, and revoked ones remembered so that revoking again is
   * a no-op. For monitoring.
   */
  readonly trackedCredentials: number;
  /** Stops the background sweep, if one runs. Tokens still live are not revoked. */
  close(): Promise<void>;
}

/**
 * GitHub's token formats (installation, user, OAuth, refresh, fine-grained and legacy installation
 * tokens), anywhere in the text: a token passed as `"ghs_…"` or `token=ghs_…` is still one. No
 * credential id (`ghapp_<uuid>`) holds one.
 */
const GITHUB_TOKEN = /gh[pousr]_|github_pat_|v1\./;

/** GitHub's installation tokens live one hour; a longer TTL cannot be honoured. */
const MAX_APP_TOKEN_TTL_MS = 3_600_000;

interface IssuedToken {
  /** Emptied once revoked, so the process holds no dead secret. */
  token: string;
  expiresAt: number;
  /**
   * The `performance.now()` reading at which the TTL has run out. A wall clock stepped back
   * would otherwise keep the token valid, and unrevoked by `sweep()`, for the step.
   */
  endsAt: number;
  revoked: boolean;
}

/**
 * Creates an issuer of GitHub App installation tokens. Synchronous, no I/O. The issuer and
 * the credentials it returns keep the key and the tokens in private fields: `inspect`,
 * `JSON.stringify` and `toString` show `[redacted]`. A token GitHub grants with more
 * repositories or permissions than asked is revoked and refused (`ACCESS_DENIED`). `revoke`
 * retries with backoff and, when every attempt fails, throws and leaves the credential valid.
 *
 * @throws `InvalidInputError` naming the setting at fault.
 */
export function createGitHubAppTokenIssuer(config: GitHubAppTokenIssuerConfig): GitHubAppTokenIssuer {
  return new AppInstallationTokenIssuer(parseGitHubAppTokenIssuerConfig(config));
}

class AppInstallationTokenIssuer implements GitHubAppTokenIssuer {
  readonly specificationVersion = 'jit-credential-issuer-v1' as const;
  readonly providerId = 'github-app-installation-token';
  // Private fields: the settings hold the app's key and the map every live token.
  readonly #settings: ParsedGitHubAppTokenIssuerConfig;
  readonly #client: GitHubClient;
  readonly #tokens = new Map<string, IssuedToken>();
  /** Mints under way: each holds a place in {@link #tokens}' bound until it settles. */
  #minting = 0;
  readonly #sweepTimer: NodeJS.Timeout | undefined;

  constructor(settings: ParsedGitHubAppTokenIssuerConfig) {
    this.#settings = settings;
    this.#client = settings.octokit ?? createGitHubClient({ ...settings, userAgent: 'warden-credentials-github' });
    this.#sweepTimer = startBackgroundSweep(() => this.sweep(), settings);
  }

  async issue(scope: string[], ttl: string | number, options: IssueCredentialOptions = {}): Promise<JITCredential> {
    const parsedScope = parseInput(credentialScopeSchema, scope, 'credential scope');
    const request = parseAppTokenScope(parsedScope);
    const ttlMs = parseTtl(ttl, MAX_APP_TOKEN_TTL_MS);
    const { subject } = parseInput(issueOptionsSchema, options, 'issue options');
    const repositories = request.repositories ?? this.#settings.repositories;
    if (!repositories) {
      throw new InvalidInputError({
        message: 'Invalid credential scope: name a repository ("repository:<name>") or configure `repositories`',
        issues: [{ path: 'scope', message: 'must name at least one repository' }],
      });
    }
    const issuedAt = readClock(this.#settings.now);
    const startedAt = performance.now();
    this.#makeRoom(issuedAt);
    // The place is held from here: concurrent issues cannot all pass one count.
    this.#minting++;
    let minted: MintedToken;
    try {
      minted = await this.#mint(repositories, request.permissions, parsedScope, issuedAt);
    } finally {
      this.#minting--;
    }
    const id = `ghapp_${randomUUID()}`;
    const expiresAt = Math.min(issuedAt + ttlMs, minted.gitHubExpiresAt);
    this.#tokens.set(id, {
      token: minted.token,
      expiresAt,
      endsAt: startedAt + (expiresAt - issuedAt),
      revoked: false,
    });
    emitSafely(this.#settings.events, {
      type: 'credential_issued',
      details: {
        provider: this.providerId,
        id,
        scope: parsedScope,
        subject,
        installationId: this.#settings.installationId,
        repositories,
        expiresAt: toIsoTime(expiresAt),
      },
    });
    return issuedCredential({
      id,
      token: minted.token,
      scope: parsedScope,
      issuedAt: toIsoTime(issuedAt),
      expiresAt: toIsoTime(expiresAt),
    });
  }

  async revoke(credentialId: string): Promise<void> {
    const id = parseInput(credentialIdSchema, credentialId, 'credential id');
    if (GITHUB_TOKEN.test(id)) {
      // Refused without repeating it: a token must never end up in an error.
      throw new InvalidInputError({
        message: 'Invalid credential id: a GitHub token was given where its credential id belongs',
        issues: [{ path: 'credentialId', message: 'is a token, not a credential id' }],
      });
    }
    const issued = this.#tokens.get(id);
    if (!issued) throw new CredentialNotFoundError({ id });
    if (issued.revoked) return;
    // Retried with backoff; when every attempt fails the error propagates and the token stays valid.
    await withRetries(() => this.#revokeOnGitHub(issued.token), this.#settings);
    this.#markRevoked(id, issued, 'revoked');
  }

  async isValid(credentialId: string): Promise<boolean> {
    // A token (GitHub's are longer than any id) is never a credential id: false, not an error that could show it.
    if (typeof credentialId === 'string' && GITHUB_TOKEN.test(credentialId)) return false;
    const id = parseInput(credentialIdSchema, credentialId, 'credential id');
    const issued = this.#tokens.get(id);
    return (
      issued !== undefined &&
      !issued.revoked &&
      isBefore(this.#settings.now, issued.expiresAt) &&
      performance.now() < issued.endsAt
    );
  }

  async sweep(): Promise<string[]> {
    const now = readClock(this.#settings.now);
    // Expired by either clock: the wall clock's expiry or the TTL measured monotonically.
    const monotonicNow = performance.now();
    const expired = [...this.#tokens].filter(
      ([, issued]) => !issued.revoked && (issued.expiresAt <= now || issued.endsAt <= monotonicNow),
    );
    this.#forgetRevoked(now);
    return removeEvery(
      expired.map(([id]) => id),
      async (id) => {
        const issued = this.#tokens.get(id) as IssuedToken;
        if (issued.revoked) return false;
        // Always asked of GitHub, even when our clock says GitHub's hour is over: a clock that
        // stepped forward (or an expiry GitHub misreported) must not leave a live token
        // unrevoked. GitHub answers 401 for a token already dead, which counts as revoked.
        await this.#revokeOnGitHub(issued.token);
        this.#markRevoked(id, issued, 'expired');
        return true;
      },
      this.#settings,
    );
  }

  get trackedCredentials(): number {
    return this.#tokens.size + this.#minting;
  }

  async close(): Promise<void> {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
  }

  /**
   * Makes a place for one more token under `maxTrackedCredentials`, or refuses before anything is
   * asked of GitHub. Only revoked tokens are forgotten (they hold no secret; revoking one again
   * becomes `CREDENTIAL_NOT_FOUND`), expired ones first, then the oldest; a token still to be
   * revoked is never forgotten, since nothing else could revoke it.
   */
  #makeRoom(now: number): void {
    const max = this.#settings.maxTrackedCredentials;
    if (this.trackedCredentials < max) return;
    this.#forgetRevoked(now);
    for (const [id, issued] of this.#tokens) {
      if (this.trackedCredentials < max) return;
      if (issued.revoked) this.#tokens.delete(id);
    }
    if (this.trackedCredentials < max) return;
    throw new QuotaExceededError({
      message: `The GitHub App token issuer already holds ${max} tokens it must still revoke (maxTrackedCredentials); revoke some or sweep() expired ones first`,
    });
  }

  /** Forgets revoked tokens past their expiry: `isValid` is false for them either way. */
  #forgetRevoked(now: number): void {
    for (const [id, issued] of this.#tokens) {
      if (issued.revoked && issued.expiresAt <= now) this.#tokens.delete(id);
    }
  }

  /** Names the app and installation only: the key and the tokens stay private. */
  toJSON(): Record<string, unknown> {
    return {
      providerId: this.providerId,
      appId: this.#settings.issuer,
      installationId: this.#settings.installationId,
      repositories: this.#settings.repositories,
      privateKey: REDACTED,
    };
  }

  /** The redacted form, as for {@link toJSON}. */
  toString(): string {
    return `GitHubAppTokenIssuer ${JSON.stringify(this)}`;
  }

  /** What `util.inspect` and `console.log` show: the redacted form. */
  [inspect.custom](): string {
    return this.toString();
  }

  /** Mints a token; refuses (and revokes) one GitHub granted more repositories or permissions than asked. */
  async #mint(
    repositories: string[],
    permissions: Record<string, string>,
    scope: string[],
    now: number,
  ): Promise<MintedToken> {
    let data: unknown;
    try {
      ({ data } = await this.#client.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: this.#settings.installationId,
        repositories,
        permissions: permissions as AppTokenPermissions,
        headers: {
          authorization: `bearer ${signAppJwt(this.#settings.issuer, this.#settings.privateKey, now)}`,
        },
        // Never resent after a 5xx or a network failure: GitHub may have minted the token and
        // only its answer was lost, and a resend would mint another (a rate limit, answered
        // before GitHub acts, is still waited out and resent by the throttling plugin).
        request: { retries: 0 },
      }));
    } catch (error) {
      if (isGitHubHttpError(error) && error.status >= 500)
        throw lostMintAnswer(toWardenError(error, 'mint an installation access token'));
      if (isGitHubHttpError(error, 422)) {
        throw new AccessDeniedError({
          message: `The GitHub App installation cannot grant scope ${JSON.stringify(scope)} on ${repositories.join(', ')}: it lacks a permission or a repository`,
          cause: { status: 422 },
        });
      }
      throw toWardenError(error, 'mint an installation access token');
    }
    const checked = checkInstallationTokenAnswer(data);
    if (checked.problems !== undefined) {
      // A malformed answer may still carry a live token: revoke it rather than leave it untracked.
      return this.#revokeAndRefuse(
        checked.token,
        `GitHub's answer to the token request is malformed (${checked.problems})`,
        (message, cause) => new BackendUnavailableError({ backend: 'github', message, cause }),
      );
    }
    const { answer } = checked;
    const minted = { token: answer.token, gitHubExpiresAt: Date.parse(answer.expires_at) };
    const beyond = grantedBeyond(answer, repositories, permissions);
    if (beyond.length > 0) {
      await this.#revokeAndRefuse(
        minted.token,
        `GitHub granted more than asked (${describeExtras(beyond)})`,
        (message, cause) => new AccessDeniedError({ message, cause }),
      );
    }
    return minted;
  }

  /**
   * Revokes a token that must not reach the caller (granted beyond the request, or inside a
   * malformed answer), then throws `refusal`. When the revocation keeps failing, the token is
   * kept as an expired, unrevoked credential so that `sweep()` retries it.
   */
  async #revokeAndRefuse(
    token: string | undefined,
    reason: string,
    refusal: (message: string, cause?: unknown) => WardenError,
  ): Promise<never> {
    if (token === undefined) throw refusal(`${reason}; it carried no token`);
    try {
      await withRetries(() => this.#revokeOnGitHub(token), this.#settings);
    } catch (error) {
      const id = `ghapp_${randomUUID()}`;
      // Already expired whatever the clock says, so the next sweep() revokes it.
      this.#tokens.set(id, {
        token,
        expiresAt: Number.NEGATIVE_INFINITY,
        endsAt: Number.NEGATIVE_INFINITY,
        revoked: false,
      });
      throw refusal(`${reason}; revoking that token failed, so it stays listed as ${id} for sweep() to revoke`, error);
    }
    throw refusal(`${reason}; the token was revoked`);
  }

  /** Revokes a token with the token itself; a 401 means it is already expired or revoked. */
  async #revokeOnGitHub(token: string): Promise<void> {
    try {
      await this.#client.request('DELETE /installation/token', { headers: { authorization: `token ${token}` } });
    } catch (error) {
      if (isGitHubHttpError(error, 401)) return;
      throw toWardenError(error, 'revoke an installation access token');
    }
  }

  #markRevoked(id: string, issued: IssuedToken, reason: 'revoked' | 'expired'): void {
    if (issued.revoked) return;
    issued.revoked = true;
    issued.token = '';
    emitSafely(this.#settings.events, {
      type: 'credential_revoked',
      details: { provider: this.providerId, id, reason },
    });
  }
}

/**
 * The error for a token request that failed without an answer (a 5xx, or a network failure,
 * which Octokit reports as 500): GitHub may have minted a token nobody here saw. It cannot be
 * revoked (revoking takes the token itself) and lives until GitHub's hour ends.
 */
function lostMintAnswer(failure: WardenError): BackendUnavailableError {
  return new BackendUnavailableError({
    backend: 'github',
    message: `${failure.message}; GitHub may have minted a token this issuer never saw, which cannot be revoked and expires on GitHub within the hour; the request is not resent, so no second token is lost`,
    cause: failure.cause,
  });
}

interface MintedToken {
  token: string;
  gitHubExpiresAt: number;
}

/**
 * What GitHub granted beyond the request: permissions above those asked (GitHub adds
 * `metadata: read` to every repository token), and repositories other than those asked. What
 * cannot be verified (no permissions, no repository list, every repository) counts as beyond.
 */
function grantedBeyond(
  answer: InstallationTokenAnswer,
  repositories: readonly string[],
  permissions: Record<string, string>,
): string[] {
  const beyond = permissionsBeyond(answer.permissions ?? { permissions: 'unverifiable' }, {
    metadata: 'read',
    ...permissions,
  });
  if (answer.repository_selection === 'all') return [...beyond, 'every repository of the installation'];
  if (answer.repositories === undefined) return [...beyond, 'repositories: unverifiable'];
  const asked = new Set(repositories.map((name) => name.toLowerCase()));
  const extra = answer.repositories.filter((repository) => !asked.has(repository.name.toLowerCase()));
  return [...beyond, ...extra.map((repository) => `repository:${nameable(repository.name)}`)];
}

/** How many things granted beyond the request an error names; the rest are counted. */
const MAX_NAMED_EXTRAS = 10;

/** A repository name as an error may repeat it: the answer may carry a token or a forged line there. */
function nameable(name: string): string {
  return /^[A-Za-z0-9_.-]{1,100}$/.test(name) && !GITHUB_TOKEN.test(name) ? name : '(name not shown)';
}

/** The extras for an error message: distinct, at most {@link MAX_NAMED_EXTRAS}, then a count. */
function describeExtras(beyond: readonly string[]): string {
  const distinct = [...new Set(beyond)];
  const named = distinct.slice(0, MAX_NAMED_EXTRAS).join(', ');
  return distinct.length > MAX_NAMED_EXTRAS ? `${named} and ${distinct.length - MAX_NAMED_EXTRAS} more` : named;
}
