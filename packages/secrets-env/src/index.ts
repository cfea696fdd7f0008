/**
 * `@warden/secrets-env`: `SecretStore` on environment variables.
 *
 * @packageDocumentation
 */
export { createEnvSecretStore, type EnvSecretStoreOptions, toEnvironmentVariableName } from './env-secret-store.js';
