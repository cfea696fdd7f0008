/**
 * `@warden/secrets-env`: `SecretStore` on environment variables.
 *
 * @packageDocumentation
 */
export { isProtectedVariable } from './env-secret-name.js';
export { createEnvSecretStore, type EnvSecretStoreConfig } from './env-secret-store.js';
