/**
 * The five Actions secrets calls the JIT issuer makes, for a repository or for one of its
 * environments, with 404 turned into a plain answer.
 *
 * @module
 */
import { BackendUnavailableError } from '@warden/core';
import { type GitHubClient, isGitHubHttpError, toWardenError } from '@warden/github-client';

/** Where the secrets live. */
export interface SecretsLocation {
  owner: string;
  repo: string;
  /** Set for environment secrets. */
  environment?: string;
}

/** A public key as GitHub returns it. */
export interface SecretsPublicKey {
  keyId: string;
  key: string;
}

/** The Actions secrets of one repository or environment. */
export interface ActionsSecretsApi {
  getPublicKey(): Promise<SecretsPublicKey>;
  putSecret(name: string, sealed: { encryptedValue: string; keyId: string }): Promise<void>;
  /** True when the secret exists. */
  hasSecret(name: string): Promise<boolean>;
  /** True when a secret was deleted, false when there was none. */
  deleteSecret(name: string): Promise<boolean>;
  /** Every secret name (GitHub reports them upper-case). */
  listSecretNames(): Promise<string[]>;
}

const PAGE_SIZE = 100;

/** Creates the API for `location` on `client`. */
export function createActionsSecretsApi(client: GitHubClient, location: SecretsLocation): ActionsSecretsApi {
  const { owner, repo, environment } = location;
  const base = { owner, repo };
  const where = environment === undefined ? `${owner}/${repo}` : `${owner}/${repo} environment ${environment}`;
  const call = async <Result>(action: string, run: () => Promise<Result>): Promise<Result> => {
    try {
      return await run();
    } catch (error) {
      throw toWardenError(error, `${action} (${where})`);
    }
  };
  const notFoundAs = async <Result>(action: string, run: () => Promise<Result>, fallback: Result): Promise<Result> =>
    call(action, async () => {
      try {
        return await run();
      } catch (error) {
        if (isGitHubHttpError(error, 404)) return fallback;
        throw error;
      }
    });

  if (environment === undefined) {
    return {
      getPublicKey: () =>
        call('read the Actions public key', async () => {
          const { data } = await client.request('GET /repos/{owner}/{repo}/actions/secrets/public-key', base);
          return { keyId: data.key_id, key: data.key };
        }),
      putSecret: (name, sealed) =>
        call('store an Actions secret', async () => {
          await client.request('PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
            ...base,
            secret_name: name,
            encrypted_value: sealed.encryptedValue,
            key_id: sealed.keyId,
          });
        }),
      hasSecret: (name) =>
        notFoundAs(
          'read an Actions secret',
          async () => {
            await client.request('GET /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
              ...base,
              secret_name: name,
            });
            return true;
          },
          false,
        ),
      deleteSecret: (name) =>
        notFoundAs(
          'delete an Actions secret',
          async () => {
            await client.request('DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}', {
              ...base,
              secret_name: name,
            });
            return true;
          },
          false,
        ),
      listSecretNames: () =>
        call('list Actions secrets', () =>
          collectPages(async (page) => {
            const { data } = await client.request('GET /repos/{owner}/{repo}/actions/secrets', {
              ...base,
              per_page: PAGE_SIZE,
              page,
            });
            return { total: data.total_count, names: data.secrets.map((secret) => secret.name) };
          }),
        ),
    };
  }
  const scoped = { ...base, environment_name: environment };
  return {
    getPublicKey: () =>
      call('read the environment public key', async () => {
        const { data } = await client.request(
          'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
          scoped,
        );
        return { keyId: data.key_id, key: data.key };
      }),
    putSecret: (name, sealed) =>
      call('store an environment secret', async () => {
        await client.request('PUT /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}', {
          ...scoped,
          secret_name: name,
          encrypted_value: sealed.encryptedValue,
          key_id: sealed.keyId,
        });
      }),
    hasSecret: (name) =>
      notFoundAs(
        'read an environment secret',
        async () => {
          await client.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}', {
            ...scoped,
            secret_name: name,
          });
          return true;
        },
        false,
      ),
    deleteSecret: (name) =>
      notFoundAs(
        'delete an environment secret',
        async () => {
          await client.request('DELETE /repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}', {
            ...scoped,
            secret_name: name,
          });
          return true;
        },
        false,
      ),
    listSecretNames: () =>
      call('list environment secrets', () =>
        collectPages(async (page) => {
          const { data } = await client.request('GET /repos/{owner}/{repo}/environments/{environment_name}/secrets', {
            ...scoped,
            per_page: PAGE_SIZE,
            page,
          });
          return { total: data.total_count, names: data.secrets.map((secret) => secret.name) };
        }),
      ),
  };
}

/** Far more secret names than any repository holds (GitHub allows 100 per repository or environment): a hostile API filling memory. */
const MAX_SECRET_NAMES = 1_000_000;

/**
 * Every secret name, each once: a GitHub that repeats a page (or ignores `page`) must not have
 * one name deleted once per copy, nor be asked on while its pages bring nothing new.
 *
 * @throws `BackendUnavailableError` past {@link MAX_SECRET_NAMES} names.
 */
async function collectPages(
  fetchPage: (page: number) => Promise<{ total: number; names: string[] }>,
): Promise<string[]> {
  const names = new Set<string>();
  let received = 0;
  for (let page = 1; page <= 1000; page++) {
    const { total, names: pageNames } = await fetchPage(page);
    const before = names.size;
    // One by one: a page spread into a call overflows the stack past ~120,000 names.
    for (const name of pageNames) names.add(name);
    if (names.size > MAX_SECRET_NAMES) {
      throw new BackendUnavailableError({
        backend: 'github',
        message: `GitHub listed over ${MAX_SECRET_NAMES} secrets`,
      });
    }
    received += pageNames.length;
    const last = pageNames.length < PAGE_SIZE || received >= total;
    if (last || names.size === before) break;
  }
  return [...names];
}
