/**
 * `createGitHubAppTokenIssuer`: the stronger option. Each credential is a GitHub App
 * installation access token narrowed to the scope's permissions and repositories, revoked
 * through the API, and checked after minting so that GitHub never grants more than was asked.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import {
  AccessDeniedError,
  CredentialNotFoundError,
  credentialIdSchema,
  credentialScopeSchema,
  InvalidInputError,
  type IssueCredentialOptions,
  type JITCredential,
  type JITCredentialIssuer,
  parseInput,
  parseTtl,
  toIsoTime,
} from '@warden/core';
import { createGitHubClient, type GitHubClient, isGitHubHttpError, toWardenError } from '@warden/github-client';
import { type AppTokenPermissions, parseAppTokenScope, permissionsBeyond } from './app-permission-scope.js';
import { signAppJwt } from './github-app-jwt.js';
import {
  type GitHubAppTokenConfig,
  type ParsedGitHubAppTokenConfig,
  parseGitHubAppTokenConfig,
} from './github-app-token-settings.js';
import { issueOptionsSchema } from './issuer-schemas.js';
import { startBackgroundSweep } from './issuer-sweep.js';

/** A {@link JITCredentialIssuer} minting GitHub App installation tokens. */
export interface GitHubAppTokenIssuer extends JITCredentialIssuer {
  /**
   * Revokes tokens whose TTL has passed while GitHub would still honour them (GitHub's tokens
   * live an hour; a shorter TTL is enforced by revoking). Returns the ids revoked.
   */
  sweep(): Promise<string[]>;
  /** Stops the background sweep, if one runs. Tokens still live are not revoked. */
  close(): Promise<void>;
}

/** GitHub's token formats (installation, user, OAuth, refresh, fine-grained and legacy installation tokens). */
const GITHUB_TOKEN = /^(gh[pousr]_|github_pat_|v1\.)/;

/** GitHub's installation tokens live one hour; a longer TTL cannot be honoured. */
const MAX_APP_TOKEN_TTL_MS = 3_600_000;

interface IssuedToken {
  /** Emptied once revoked, so the process holds no dead secret. */
  token: string;
  expiresAt: number;
  gitHubExpiresAt: number;
  revoked: boolean;
}

/**
 * Creates an issuer of GitHub App installation tokens. Synchronous, no I/O.
 *
 * @throws `InvalidInputError` naming the setting at fault.
 */
export function createGitHubAppTokenIssuer(config: GitHubAppTokenConfig): GitHubAppTokenIssuer {
  return new AppInstallationTokenIssuer(parseGitHubAppTokenConfig(config));
}

class AppInstallationTokenIssuer implements GitHubAppTokenIssuer {
  readonly specificationVersion = 'jit-credential-issuer-v1' as const;
  readonly providerId = 'github-app-installation-token';
  private readonly client: GitHubClient;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: ParsedGitHubAppTokenConfig) {
    this.client = settings.octokit ?? createGitHubClient({ ...settings, userAgent: 'warden-credentials-github' });
    this.sweepTimer = startBackgroundSweep(() => this.sweep(), settings);
  }

  async issue(scope: string[], ttl: string | number, options: IssueCredentialOptions = {}): Promise<JITCredential> {
    const parsedScope = parseInput(credentialScopeSchema, scope, 'credential scope');
    const request = parseAppTokenScope(parsedScope);
    const ttlMs = parseTtl(ttl, MAX_APP_TOKEN_TTL_MS);
    const { subject } = parseInput(issueOptionsSchema, options, 'issue options');
    const repositories = request.repositories ?? this.settings.repositories;
    if (!repositories) {
      throw new InvalidInputError({
        message: 'Invalid credential scope: name a repository ("repository:<name>") or configure `repositories`',
        issues: [{ path: 'scope', message: 'must name at least one repository' }],
      });
    }
    const issuedAt = this.settings.now();
    const minted = await this.mint(repositories, request.permissions, parsedScope);
    const id = `ghapp_${randomUUID()}`;
    const expiresAt = Math.min(issuedAt + ttlMs, minted.gitHubExpiresAt);
    this.tokens.set(id, { token: minted.token, expiresAt, gitHubExpiresAt: minted.gitHubExpiresAt, revoked: false });
    this.settings.events?.emit({
      type: 'credential_issued',
      details: {
        provider: this.providerId,
        id,
        scope: parsedScope,
        subject,
        installationId: this.settings.installationId,
        repositories,
        expiresAt: toIsoTime(expiresAt),
      },
    });
    return {
      id,
      token: minted.token,
      scope: [...parsedScope],
      issuedAt: toIsoTime(issuedAt),
      expiresAt: toIsoTime(expiresAt),
    };
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
    const issued = this.tokens.get(id);
    if (!issued) throw new CredentialNotFoundError({ id });
    if (issued.revoked) return;
    await this.revokeOnGitHub(issued.token);
    this.markRevoked(id, issued, 'revoked');
  }

  async isValid(credentialId: string): Promise<boolean> {
    // A token (GitHub's are longer than any id) is never a credential id: false, not an error that could show it.
    if (typeof credentialId === 'string' && GITHUB_TOKEN.test(credentialId)) return false;
    const id = parseInput(credentialIdSchema, credentialId, 'credential id');
    const issued = this.tokens.get(id);
    return issued !== undefined && !issued.revoked && this.settings.now() < issued.expiresAt;
  }

  async sweep(): Promise<string[]> {
    const now = this.settings.now();
    const revoked: string[] = [];
    for (const [id, issued] of this.tokens) {
      if (issued.revoked || issued.expiresAt > now) continue;
      if (issued.gitHubExpiresAt > now) {
        await this.revokeOnGitHub(issued.token);
        revoked.push(id);
      }
      this.markRevoked(id, issued, 'expired');
    }
    return revoked;
  }

  async close(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** Mints a token; refuses (and revokes) one GitHub granted more permissions than asked. */
  private async mint(
    repositories: string[],
    permissions: Record<string, string>,
    scope: string[],
  ): Promise<{ token: string; gitHubExpiresAt: number }> {
    let data: { token: string; expires_at: string; permissions?: Record<string, string | undefined> };
    try {
      ({ data } = await this.client.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: this.settings.installationId,
        repositories,
        permissions: permissions as AppTokenPermissions,
        headers: {
          authorization: `bearer ${signAppJwt(this.settings.issuer, this.settings.privateKey, this.settings.now())}`,
        },
      }));
    } catch (error) {
      if (isGitHubHttpError(error, 422)) {
        throw new AccessDeniedError({
          message: `The GitHub App installation cannot grant scope ${JSON.stringify(scope)} on ${repositories.join(', ')}: it lacks a permission or a repository`,
          cause: { status: 422 },
        });
      }
      throw toWardenError(error, 'mint an installation access token');
    }
    // GitHub adds `metadata: read` to every repository token; anything else beyond the request fails closed.
    const beyond = permissionsBeyond(data.permissions ?? { unknown: 'unverifiable' }, {
      metadata: 'read',
      ...permissions,
    });
    if (beyond.length > 0) {
      await this.revokeOnGitHub(data.token).catch(() => {});
      throw new AccessDeniedError({
        message: `GitHub granted more than asked (${beyond.join(', ')}); the token was revoked`,
      });
    }
    return { token: data.token, gitHubExpiresAt: Date.parse(data.expires_at) };
  }

  /** Revokes a token with the token itself; a 401 means it is already expired or revoked. */
  private async revokeOnGitHub(token: string): Promise<void> {
    try {
      await this.client.request('DELETE /installation/token', { headers: { authorization: `token ${token}` } });
    } catch (error) {
      if (isGitHubHttpError(error, 401)) return;
      throw toWardenError(error, 'revoke an installation access token');
    }
  }

  private markRevoked(id: string, issued: IssuedToken, reason: 'revoked' | 'expired'): void {
    if (issued.revoked) return;
    issued.revoked = true;
    issued.token = '';
    this.settings.events?.emit({ type: 'credential_revoked', details: { provider: this.providerId, id, reason } });
  }
}
