/**
 * Repository and environment Actions secrets as GitHub keeps them: each scope has its own
 * libsodium key pair, values arrive sealed (`crypto_box_seal`) against its public key and are
 * opened here with the private key, names are case-insensitive (GitHub stores them upper-case),
 * and a secret exists until it is deleted.
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import sodium from 'libsodium-wrappers';

/** Where a secret lives: a repository, or one of its environments. */
export interface SecretScope {
  owner: string;
  repo: string;
  /** Set for environment secrets. */
  environment?: string;
}

/** One stored secret. */
export interface FakeSecret {
  /** The name as GitHub reports it (upper-case). */
  name: string;
  /** The decrypted value, for tests to check. */
  plaintext: string;
  createdAt: number;
  updatedAt: number;
}

interface ScopeKeys {
  keyId: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  secrets: Map<string, FakeSecret>;
}

/** GitHub's limit on a secret value. */
const MAX_SECRET_BYTES = 48 * 1024;

/** Why a secret was refused; becomes a 422. */
export class SecretRejectedError extends Error {}

/** The Actions secrets of every repository and environment in the fake. */
export class ActionsSecretStore {
  private readonly scopes = new Map<string, ScopeKeys>();

  /** Waits for libsodium; call once before anything else. */
  static async create(): Promise<ActionsSecretStore> {
    await sodium.ready;
    return new ActionsSecretStore();
  }

  /** The scope's public key, as GitHub returns it (base64, standard alphabet). */
  publicKey(scope: SecretScope): { key_id: string; key: string } {
    const keys = this.keysOf(scope);
    return { key_id: keys.keyId, key: sodium.to_base64(keys.publicKey, sodium.base64_variants.ORIGINAL) };
  }

  /** Opens and stores a sealed value; returns true when the secret is new. */
  put(scope: SecretScope, name: string, sealed: { encrypted_value: string; key_id: string }, now: number): boolean {
    const keys = this.keysOf(scope);
    if (!isValidSecretName(name)) {
      throw new SecretRejectedError(
        'Secret names can only contain alphanumeric characters or underscores, must not start with a number or GITHUB_',
      );
    }
    if (sealed.key_id !== keys.keyId) throw new SecretRejectedError('key_id does not match the current public key');
    const plaintext = this.open(keys, sealed.encrypted_value);
    if (Buffer.byteLength(plaintext) > MAX_SECRET_BYTES)
      throw new SecretRejectedError('Secret value is larger than 48 KB');
    const key = name.toUpperCase();
    const existing = keys.secrets.get(key);
    keys.secrets.set(key, { name: key, plaintext, createdAt: existing?.createdAt ?? now, updatedAt: now });
    return existing === undefined;
  }

  /** The secret called `name` (any case), or `undefined`. */
  get(scope: SecretScope, name: string): FakeSecret | undefined {
    return this.keysOf(scope).secrets.get(name.toUpperCase());
  }

  /** Every secret in the scope, sorted by name as GitHub lists them. */
  list(scope: SecretScope): FakeSecret[] {
    return [...this.keysOf(scope).secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Deletes a secret; returns false when there was none. */
  delete(scope: SecretScope, name: string): boolean {
    return this.keysOf(scope).secrets.delete(name.toUpperCase());
  }

  private open(keys: ScopeKeys, encryptedValue: string): string {
    try {
      const ciphertext = sodium.from_base64(encryptedValue, sodium.base64_variants.ORIGINAL);
      return sodium.to_string(sodium.crypto_box_seal_open(ciphertext, keys.publicKey, keys.privateKey));
    } catch {
      throw new SecretRejectedError('encrypted_value is not a sealed box for the current public key');
    }
  }

  private keysOf(scope: SecretScope): ScopeKeys {
    const id = `${scope.owner}/${scope.repo}`.toLowerCase() + (scope.environment ? `#${scope.environment}` : '');
    let keys = this.scopes.get(id);
    if (!keys) {
      const pair = sodium.crypto_box_keypair();
      keys = {
        keyId: String(randomInt(1, 2 ** 47)),
        publicKey: pair.publicKey,
        privateKey: pair.privateKey,
        secrets: new Map(),
      };
      this.scopes.set(id, keys);
    }
    return keys;
  }
}

/** GitHub's rule for secret names: letters, digits and `_`, no leading digit, no `GITHUB_` prefix. */
export function isValidSecretName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^GITHUB_/i.test(name);
}
