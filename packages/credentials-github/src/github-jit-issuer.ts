/**
 * `createGitHubJITCredentialIssuer`: just-in-time credentials stored as GitHub Actions secrets,
 * sealed against the repository (or environment) public key, named so that any later process
 * can find and delete them once expired.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
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
} from '@warden/core';
import { createGitHubClient, gitHubStatusOf } from '@warden/github-client';
import { type ActionsSecretsApi, createActionsSecretsApi, type SecretsPublicKey } from './actions-secrets-api.js';
import { type GitHubJITConfig, type ParsedGitHubJITConfig, parseGitHubJITConfig } from './github-jit-settings.js';
import { issuedCredential, REDACTED } from './issued-credential.js';
import { clockError, isBefore, readClock } from './issuer-clock.js';
import { removeEvery, withRetries } from './issuer-retry.js';
import { issueOptionsSchema } from './issuer-schemas.js';
import { startBackgroundSweep } from './issuer-sweep.js';
import { sealForGitHub } from './sealed-box.js';
import { formatCredentialSecretName, parseCredentialSecretName } from './secret-name.js';

/** A {@link JITCredentialIssuer} on GitHub Actions secrets, with its sweeper. */
export interface GitHubJITCredentialIssuer extends JITCredentialIssuer {
  /**
   * Deletes every expired credential secret under the prefix, including those an earlier
   * process issued (the expiry is part of the name). Tries every one, then retries the failures
   * with backoff (`revokeAttempts`, `revokeBackoffMs`). Resolves with the names deleted; when
   * some are still alive at the end, rejects with a `SweepIncompleteError` (an
   * `AggregateError` of their `WardenError`s, with `alive` and `removed` ids).
   */
  sweep(): Promise<string[]>;
  /**
   * How many credentials the issuer remembers now (at most `maxTrackedCredentials`): those it
   * issued and has not revoked, those being stored, and revoked ones remembered so that revoking
   * again is a no-op. For monitoring.
   */
  readonly trackedCredentials: number;
  /** Stops the background sweep, if one runs. The Octokit is never closed. */
  close(): Promise<void>;
}

/**
 * Every token starts with this, so that a token passed where its id belongs is recognised and
 * refused without being echoed, and so that secret scanners can spot one.
 */
const TOKEN_PREFIX = 'wjit_';

/**
 * Creates an issuer storing each credential as a GitHub Actions secret. Synchronous, no I/O:
 * GitHub is first called by `issue`, `revoke`, `isValid` or `sweep`. The issuer and the
 * credentials it returns keep the token in private fields: `inspect`, `JSON.stringify` and
 * `toString` show `[redacted]`. `revoke` retries with backoff and, when every attempt fails,
 * throws and leaves the credential valid.
 *
 * @throws `InvalidInputError` naming the setting at fault.
 */
export function createGitHubJITCredentialIssuer(config: GitHubJITConfig): GitHubJITCredentialIssuer {
  return new ActionsSecretCredentialIssuer(parseGitHubJITConfig(config));
}

class ActionsSecretCredentialIssuer implements GitHubJITCredentialIssuer {
  readonly specificationVersion = 'jit-credential-issuer-v1' as const;
  readonly providerId = 'github-actions-secrets';
  // Private fields: the settings hold the token, so nothing here is reachable by inspection.
  readonly #settings: ParsedGitHubJITConfig;
  readonly #api: ActionsSecretsApi;
  #publicKey: Promise<SecretsPublicKey> | undefined;
  /**
   * Credentials this process issued and has not revoked, with their exact expiry and the
   * `performance.now()` reading at which their TTL runs out: a wall clock stepped back must not
   * keep a credential this process issued valid, and unswept, for the step.
   */
  readonly #issued = new Map<string, { expiresAt: number; endsAt: number }>();
  /** Credentials revoked or swept by this process, so that revoking again is a no-op. */
  readonly #revoked = new Set<string>();
  /** Secrets being stored: each holds a place in the bound until it settles. */
  #storing = 0;
  readonly #sweepTimer: NodeJS.Timeout | undefined;

  constructor(settings: ParsedGitHubJITConfig) {
    this.#settings = settings;
    const client =
      settings.octokit ??
      createGitHubClient({ ...settings, auth: settings.token, userAgent: 'warden-credentials-github' });
    this.#api = createActionsSecretsApi(client, settings);
    this.#sweepTimer = startBackgroundSweep(() => this.sweep(), settings);
  }

  async issue(scope: string[], ttl: string | number, options: IssueCredentialOptions = {}): Promise<JITCredential> {
    const parsedScope = parseInput(credentialScopeSchema, scope, 'credential scope');
    const ttlMs = parseTtl(ttl, this.#settings.maxTtlMs);
    const { subject } = parseInput(issueOptionsSchema, options, 'issue options');
    const issuedAt = readClock(this.#settings.now);
    const endsAt = performance.now() + ttlMs;
    const expiresAt = issuedAt + ttlMs;
    const id = formatCredentialSecretName(this.#settings.secretPrefix, expiresAt);
    // A clock far off (microseconds, a date past year 33658) makes a name whose expiry no process
    // reads back: such a secret could never be revoked or swept, so it is never stored.
    if (!parseCredentialSecretName(this.#settings.secretPrefix, id)) throw clockError();
    this.#makeRoom(issuedAt);
    const token = `${TOKEN_PREFIX}${randomBytes(this.#settings.tokenBytes).toString('base64url')}`;
    // The place is held from here: concurrent issues cannot all pass one count.
    this.#storing++;
    try {
      await this.#store(id, token);
    } catch (error) {
      await this.#deleteIfStored(id, error);
      throw error;
    } finally {
      this.#storing--;
    }
    this.#issued.set(id, { expiresAt, endsAt });
    emitSafely(this.#settings.events, {
      type: 'credential_issued',
      details: {
        provider: this.providerId,
        id,
        scope: parsedScope,
        subject,
        expiresAt: toIsoTime(expiresAt),
        ...this.#where(),
      },
    });
    return issuedCredential({
      id,
      token,
      scope: parsedScope,
      issuedAt: toIsoTime(issuedAt),
      expiresAt: toIsoTime(expiresAt),
    });
  }

  async revoke(credentialId: string): Promise<void> {
    const id = parseInput(credentialIdSchema, credentialId, 'credential id');
    // Anywhere in it: a token passed as `"wjit_…"` or `token=wjit_…` would be repeated as the
    // unknown id; no secret name holds the lower-case prefix.
    if (id.includes(TOKEN_PREFIX)) throw tokenGivenAsId();
    if (!parseCredentialSecretName(this.#settings.secretPrefix, id)) throw new CredentialNotFoundError({ id });
    if (this.#revoked.has(id)) return;
    // Retried with backoff; when every attempt fails the error propagates and the credential stays valid.
    const deleted = await withRetries(() => this.#api.deleteSecret(id), this.#settings);
    // A concurrent revoke may have deleted it first; only an id nobody here issued is unknown.
    if (!deleted && !this.#issued.has(id) && !this.#revoked.has(id)) throw new CredentialNotFoundError({ id });
    this.#forget(id, 'revoked');
  }

  async isValid(credentialId: string): Promise<boolean> {
    const id = parseInput(credentialIdSchema, credentialId, 'credential id');
    const parsed = parseCredentialSecretName(this.#settings.secretPrefix, id);
    if (!parsed || this.#revoked.has(id)) return false;
    const issued = this.#issued.get(id);
    // Fails closed: a clock that reads NaN is before no expiry.
    if (!isBefore(this.#settings.now, issued?.expiresAt ?? parsed.expiresAtMs)) return false;
    if (issued !== undefined && issued.endsAt <= performance.now()) return false;
    return this.#api.hasSecret(id);
  }

  async sweep(): Promise<string[]> {
    const names = await withRetries(() => this.#api.listSecretNames(), this.#settings);
    const now = readClock(this.#settings.now);
    this.#forgetExpired(now);
    const monotonicNow = performance.now();
    // Expired by the name's expiry, or, for one issued here, by its TTL measured monotonically.
    const expired = names.filter((name) => {
      const parsed = parseCredentialSecretName(this.#settings.secretPrefix, name);
      const endsAt = this.#issued.get(name)?.endsAt ?? Number.POSITIVE_INFINITY;
      return parsed !== undefined && (parsed.expiresAtMs <= now || endsAt <= monotonicNow);
    });
    return removeEvery(
      expired,
      async (name) => {
        const deleted = await this.#api.deleteSecret(name);
        this.#forget(name, 'expired');
        return deleted;
      },
      this.#settings,
    );
  }

  get trackedCredentials(): number {
    return this.#issued.size + this.#revoked.size + this.#storing;
  }

  async close(): Promise<void> {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
  }

  /**
   * Makes a place for one more credential under `maxTrackedCredentials`, or refuses before
   * anything is stored on GitHub. Expired entries go first (a secret's name carries its expiry, so
   * `isValid` and `sweep` need no memory of it), then the oldest revoked ones (revoking one again
   * becomes `CREDENTIAL_NOT_FOUND`; `isValid` still asks GitHub, which has no such secret).
   */
  #makeRoom(now: number): void {
    const max = this.#settings.maxTrackedCredentials;
    if (this.trackedCredentials < max) return;
    this.#forgetExpired(now);
    for (const id of this.#revoked) {
      if (this.trackedCredentials < max) return;
      this.#revoked.delete(id);
    }
    if (this.trackedCredentials < max) return;
    throw new QuotaExceededError({
      message: `The GitHub Actions-secrets issuer already holds ${max} live credentials (maxTrackedCredentials); revoke some or let them expire first`,
    });
  }

  /** Forgets credentials past the expiry their names carry (revoked or not): nothing is lost. */
  #forgetExpired(now: number): void {
    for (const [id, { expiresAt }] of this.#issued)
      if (expiresAt <= now && this.#expiredByName(id, now)) this.#issued.delete(id);
    for (const id of this.#revoked) if (this.#expiredByName(id, now)) this.#revoked.delete(id);
  }

  #expiredByName(id: string, now: number): boolean {
    const parsed = parseCredentialSecretName(this.#settings.secretPrefix, id);
    return parsed !== undefined && parsed.expiresAtMs <= now;
  }

  /** Names the repository and prefix only: the token and the client stay private. */
  toJSON(): Record<string, unknown> {
    return {
      providerId: this.providerId,
      ...this.#where(),
      secretPrefix: this.#settings.secretPrefix,
      token: REDACTED,
    };
  }

  /** The redacted form, as for {@link toJSON}. */
  toString(): string {
    return `GitHubJITCredentialIssuer ${JSON.stringify(this)}`;
  }

  /** What `util.inspect` and `console.log` show: the redacted form. */
  [inspect.custom](): string {
    return this.toString();
  }

  /** Seals and stores the token; on a refusal (422) refetches the public key once, in case it rotated. */
  /**
   * After a failed store that may have stored the secret anyway (a 5xx or a network failure: the
   * answer, not the write, may be what was lost), deletes it: nobody holds its token, yet any
   * process's `isValid` would find it alive until its expiry. A failed delete leaves it to the
   * sweep that every process runs on the prefix, as its name carries its expiry.
   */
  async #deleteIfStored(name: string, failure: unknown): Promise<void> {
    const status = gitHubStatusOf(failure);
    // A 4xx is GitHub refusing (nothing stored); a failure other than GitHub's sent nothing.
    if (status === undefined ? !BackendUnavailableError.isInstance(failure) : status < 500) return;
    await withRetries(() => this.#api.deleteSecret(name), this.#settings).catch(() => false);
  }

  async #store(name: string, token: string): Promise<void> {
    const cachedKey = this.#publicKey !== undefined;
    try {
      await this.#putSealed(name, token);
    } catch (error) {
      if (!cachedKey || gitHubStatusOf(error) !== 422) throw error;
      this.#publicKey = undefined;
      await this.#putSealed(name, token);
    }
  }

  async #putSealed(name: string, token: string): Promise<void> {
    const key = await this.#currentPublicKey();
    await this.#api.putSecret(name, { encryptedValue: await sealForGitHub(token, key.key), keyId: key.keyId });
  }

  /** The public key, fetched once and shared by concurrent calls; a failed fetch is not cached. */
  #currentPublicKey(): Promise<SecretsPublicKey> {
    if (!this.#publicKey) {
      // A key no box can be sealed against fails here, so it is never cached for the next call.
      const keyRequest = this.#api.getPublicKey().then(async (key) => {
        await sealForGitHub('', key.key);
        return key;
      });
      keyRequest.catch(() => {
        if (this.#publicKey === keyRequest) this.#publicKey = undefined;
      });
      this.#publicKey = keyRequest;
    }
    return this.#publicKey;
  }

  #forget(id: string, reason: 'revoked' | 'expired'): void {
    if (this.#revoked.has(id)) return;
    this.#issued.delete(id);
    this.#revoked.add(id);
    emitSafely(this.#settings.events, {
      type: 'credential_revoked',
      details: { provider: this.providerId, id, reason, ...this.#where() },
    });
  }

  #where(): { repository: string; environment?: string } {
    const repository = `${this.#settings.owner}/${this.#settings.repo}`;
    return this.#settings.environment === undefined
      ? { repository }
      : { repository, environment: this.#settings.environment };
  }
}

/** Refuses a token given where its id belongs, without repeating it. */
function tokenGivenAsId(): InvalidInputError {
  return new InvalidInputError({
    message: 'Invalid credential id: a credential token was given where its id belongs',
    issues: [{ path: 'credentialId', message: 'is a token, not a credential id' }],
  });
}
