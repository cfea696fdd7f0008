/**
 * The `SecretStore` port.
 *
 * @module
 */
import type { ProviderIdentity } from './specification.js';

/**
 * Named secrets.
 *
 * An implementation must:
 * - throw `InvalidInputError` for a name it cannot store, before doing anything;
 * - return `undefined` from `get` for an unknown name;
 * - make `delete` idempotent;
 * - list names, never values, from `list`;
 * - never put a value into an error, a log line, an event or `toString()` output.
 */
export interface SecretStore extends ProviderIdentity<'secret-store-v1'> {
  /** The secret's value, or `undefined` when it is not set. */
  get(name: string): Promise<string | undefined>;
  /** Sets (or replaces) a secret. */
  set(name: string, value: string): Promise<void>;
  /** Removes a secret; idempotent. */
  delete(name: string): Promise<void>;
  /** The names of the secrets that are set. */
  list(): Promise<string[]>;
}
