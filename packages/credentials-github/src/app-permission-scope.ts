/**
 * Scope strings for GitHub App installation tokens: `<permission>:<level>` entries
 * (`contents:read` → `{ contents: 'read' }`) and `repository:<name>` entries narrowing the
 * token to repositories.
 *
 * @module
 */
import type { RestEndpointMethodTypes } from '@octokit/rest';
import { InvalidInputError } from '@warden/core';

/** The `permissions` object of "Create an installation access token for an app". */
export type AppTokenPermissions = NonNullable<
  RestEndpointMethodTypes['apps']['createInstallationAccessToken']['parameters']['permissions']
>;

/** A permission level as GitHub spells it. */
type PermissionLevel = 'read' | 'write' | 'admin';

const RW = ['read', 'write'] as const;
const RWA = ['read', 'write', 'admin'] as const;

/**
 * Every permission GitHub's description lists, with the levels it allows. Not typed against
 * Octokit's generated types on purpose: they trail the description (they lack
 * `artifact_metadata` and allow only `write` for `organization_copilot_seat_management`). A unit
 * test compares this table with the description the test server validates against.
 */
export const PERMISSION_LEVELS: Readonly<Record<string, readonly PermissionLevel[]>> = {
  actions: RW,
  administration: RW,
  artifact_metadata: RW,
  attestations: RW,
  checks: RW,
  code_quality: RW,
  codespaces: RW,
  contents: RW,
  dependabot_secrets: RW,
  deployments: RW,
  discussions: RW,
  environments: RW,
  issues: RW,
  merge_queues: RW,
  metadata: RW,
  packages: RW,
  pages: RW,
  pull_requests: RW,
  repository_custom_properties: RW,
  repository_hooks: RW,
  repository_projects: RWA,
  secret_scanning_alerts: RW,
  secrets: RW,
  security_events: RW,
  single_file: RW,
  statuses: RW,
  vulnerability_alerts: RW,
  workflows: ['write'],
  custom_properties_for_organizations: RW,
  members: RW,
  organization_administration: RW,
  organization_custom_roles: RW,
  organization_custom_org_roles: RW,
  organization_custom_properties: RWA,
  organization_copilot_seat_management: RW,
  organization_copilot_agent_settings: RW,
  organization_announcement_banners: RW,
  organization_events: ['read'],
  organization_hooks: RW,
  organization_personal_access_tokens: RW,
  organization_personal_access_token_requests: RW,
  organization_plan: ['read'],
  organization_projects: RWA,
  organization_packages: RW,
  organization_secrets: RW,
  organization_self_hosted_runners: RW,
  organization_user_blocking: RW,
  email_addresses: RW,
  followers: RW,
  git_ssh_keys: RW,
  gpg_keys: RW,
  interaction_limits: RW,
  profile: ['write'],
  starring: RW,
  enterprise_custom_properties_for_organizations: RWA,
};

/** A scope list turned into the token request. */
export interface AppTokenRequest {
  permissions: Record<string, string>;
  /** Repository names; `undefined` means the issuer's default. */
  repositories: string[] | undefined;
}

const LEVEL_RANK: Readonly<Record<string, number>> = { read: 1, write: 2, admin: 3 };

/**
 * Parses `scope`. Every entry must be a known permission with an allowed level, or
 * `repository:<name>`; at least one permission is required, because a token request without
 * permissions gets every permission the installation has.
 *
 * @throws InvalidInputError naming the entry at fault.
 */
export function parseAppTokenScope(scope: readonly string[]): AppTokenRequest {
  const permissions: Record<string, string> = {};
  const repositories: string[] = [];
  for (const [index, entry] of scope.entries()) {
    const [name = '', level = '', ...rest] = entry.split(':');
    if (rest.length > 0 || !name || !level)
      throw invalidEntry(index, 'must look like "contents:read" or "repository:<name>"');
    if (name === 'repository') {
      if (!/^[A-Za-z0-9_.-]{1,100}$/.test(level)) throw invalidEntry(index, 'must name a repository');
      repositories.push(level);
      continue;
    }
    const allowed: readonly string[] | undefined = Object.hasOwn(PERMISSION_LEVELS, name)
      ? PERMISSION_LEVELS[name]
      : undefined;
    if (!allowed) throw invalidEntry(index, `${quotedPermission(name)} is not a GitHub App permission`);
    if (!allowed.includes(level)) throw invalidEntry(index, `"${name}" allows ${allowed.join(' or ')}`);
    const previous = permissions[name];
    if (previous === undefined || (LEVEL_RANK[level] ?? 0) > (LEVEL_RANK[previous] ?? 0)) permissions[name] = level;
  }
  if (Object.keys(permissions).length === 0) {
    throw new InvalidInputError({
      message: 'Invalid credential scope: name at least one permission such as "contents:read"',
      issues: [{ path: 'scope', message: 'must name at least one permission' }],
    });
  }
  return { permissions, repositories: repositories.length > 0 ? [...new Set(repositories)] : undefined };
}

/**
 * The permissions in `granted` that are missing from, or stronger than, `requested`, as
 * `name:level`. A name or level GitHub's description does not list is not repeated (an answer
 * can put anything there, a token or a forged log line): it reads "a permission not described".
 */
export function permissionsBeyond(
  granted: Record<string, string | undefined>,
  requested: Record<string, string>,
): string[] {
  return Object.entries(granted)
    .filter(([name, level]) => level !== undefined && rankOf(level, 99) > rankOf(requested[name], 0))
    .map(([name, level]) =>
      Object.hasOwn(PERMISSION_LEVELS, name) && Object.hasOwn(LEVEL_RANK, level as string)
        ? `${name}:${level}`
        : 'a permission not described',
    );
}

/**
 * The rank of `level`, or `unknown` for anything that is not `read`, `write` or `admin`. Read as
 * an own property: an answer's `constructor` or `__proto__` would otherwise find Object's members,
 * which compare as `NaN` and so as never above anything.
 */
function rankOf(level: unknown, unknown: number): number {
  return typeof level === 'string' && Object.hasOwn(LEVEL_RANK, level) ? (LEVEL_RANK[level] as number) : unknown;
}

/**
 * The entry is named by its index, never quoted: a caller that swaps arguments hands a token
 * (`ghs_…`, `x-access-token:ghp_…`) to `issue` as a scope entry, and errors end up in logs.
 */
function invalidEntry(index: number, problem: string): InvalidInputError {
  return new InvalidInputError({
    message: `Invalid credential scope entry ${index}: ${problem}`,
    issues: [{ path: `scope.${index}`, message: problem }],
  });
}

/** A permission name quoted only when it is spelled like one (`repo`), so that a token never is. */
function quotedPermission(name: string): string {
  return /^[a-z_]{1,64}$/.test(name) ? `"${name}"` : 'this name';
}
