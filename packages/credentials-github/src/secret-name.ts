/**
 * True when `name` is a valid GitHub Actions secret name: letters, digits and `_` only, not
 * starting with a digit, not starting with `GITHUB_` (in any case).
 */
export function isValidGitHubSecretName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^GITHUB_/i.test(name);
}
