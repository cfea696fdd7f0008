/**
 * Keeps credentials out of sandboxes: environment variables whose names look like secrets are
 * dropped unless the application lists them in `allowCredentialEnv`.
 *
 * @module
 */

const CREDENTIAL_NAME_PATTERNS: readonly RegExp[] = [
  /(^|_)(TOKEN|SECRET|SECRETS|KEY|KEYS|PASS|PWD_HASH|CREDENTIAL|CREDENTIALS|APIKEY|PAT)($|_)/i,
  // Anywhere in the name, as the README promises: PostgreSQL's PGPASSWORD has no underscore before it.
  /PASSWORD|PASSWD/i,
  /^AWS_/i,
  /^(GITHUB|GH|GITLAB|NPM|DOCKER|AZURE|GOOGLE|GCP|OPENAI|ANTHROPIC)_.*(TOKEN|AUTH|KEY)/i,
  /^DOCKER_(HOST|AUTH_CONFIG|CERT_PATH|CONFIG)$/i,
  /(^|_)AUTH($|_)/i,
  /_DSN$/i,
  /^DATABASE_URL$/i,
];

/** True when `name` looks like it holds a credential (`*_TOKEN`, `*_SECRET`, `*_KEY`, `AWS_*`, `GITHUB_TOKEN`…). */
export function isCredentialLikeEnvName(name: string): boolean {
  return CREDENTIAL_NAME_PATTERNS.some((pattern) => pattern.test(name));
}

/** What {@link filterCredentialEnv} kept and what it dropped. */
export interface FilteredEnv {
  /** Variables passed into the sandbox. */
  kept: Record<string, string>;
  /** Names dropped because they look like credentials and are not allowed. */
  dropped: string[];
}

/** Drops credential-looking variables from `env` unless their name is in `allowed`. */
export function filterCredentialEnv(env: Readonly<Record<string, string>>, allowed: ReadonlySet<string>): FilteredEnv {
  const kept: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (isCredentialLikeEnvName(name) && !allowed.has(name)) dropped.push(name);
    else kept[name] = value;
  }
  return { kept, dropped };
}
