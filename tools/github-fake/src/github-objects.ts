/**
 * The nested objects GitHub returns inside codespaces and installation tokens (`simple-user`,
 * `minimal-repository`, `repository`), rendered with every field the description marks as required.
 *
 * @module
 */

/** A repository the fake knows. */
export interface FakeRepository {
  /** Numeric id, unique in the fake. */
  id: number;
  /** Owner login (user or organisation). */
  owner: string;
  /** Repository name. */
  name: string;
  /** Deployment environments that exist in the repository (for environment secrets). */
  environments: string[];
}

/** Renders GitHub's `simple-user` for `login`. */
export function renderSimpleUser(baseUrl: string, login: string, id: number): Record<string, unknown> {
  const url = `${baseUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `${baseUrl}/avatars/${login}`,
    gravatar_id: '',
    url,
    html_url: `${baseUrl}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'User',
    site_admin: false,
  };
}

const REPOSITORY_TEMPLATED_URLS = [
  'archive_url:{archive_format}{/ref}',
  'assignees_url:/assignees{/user}',
  'blobs_url:/git/blobs{/sha}',
  'branches_url:/branches{/branch}',
  'collaborators_url:/collaborators{/collaborator}',
  'comments_url:/comments{/number}',
  'commits_url:/commits{/sha}',
  'compare_url:/compare/{base}...{head}',
  'contents_url:/contents/{+path}',
  'git_commits_url:/git/commits{/sha}',
  'git_refs_url:/git/refs{/sha}',
  'git_tags_url:/git/tags{/sha}',
  'issue_comment_url:/issues/comments{/number}',
  'issue_events_url:/issues/events{/number}',
  'issues_url:/issues{/number}',
  'keys_url:/keys{/key_id}',
  'labels_url:/labels{/name}',
  'milestones_url:/milestones{/number}',
  'notifications_url:/notifications{?since,all,participating}',
  'pulls_url:/pulls{/number}',
  'releases_url:/releases{/id}',
  'statuses_url:/statuses/{sha}',
  'trees_url:/git/trees{/sha}',
];

const REPOSITORY_PLAIN_URLS = [
  'contributors_url:/contributors',
  'deployments_url:/deployments',
  'downloads_url:/downloads',
  'events_url:/events',
  'forks_url:/forks',
  'hooks_url:/hooks',
  'languages_url:/languages',
  'merges_url:/merges',
  'stargazers_url:/stargazers',
  'subscribers_url:/subscribers',
  'subscription_url:/subscription',
  'tags_url:/tags',
  'teams_url:/teams',
];

/** Renders GitHub's `minimal-repository` for `repository`. */
export function renderMinimalRepository(baseUrl: string, repository: FakeRepository): Record<string, unknown> {
  const url = `${baseUrl}/repos/${repository.owner}/${repository.name}`;
  const urls = Object.fromEntries(
    [...REPOSITORY_TEMPLATED_URLS, ...REPOSITORY_PLAIN_URLS].map((entry) => {
      const [field, suffix] = entry.split(':') as [string, string];
      return [field, suffix.startsWith('/') ? `${url}${suffix}` : `${url}/${suffix}`];
    }),
  );
  return {
    id: repository.id,
    node_id: `R_${repository.id}`,
    name: repository.name,
    full_name: `${repository.owner}/${repository.name}`,
    owner: renderSimpleUser(baseUrl, repository.owner, 1000 + repository.id),
    private: true,
    html_url: `${baseUrl}/${repository.owner}/${repository.name}`,
    description: null,
    fork: false,
    url,
    ...urls,
  };
}

/** Renders GitHub's full `repository` (as listed in an installation token) for `repository`. */
export function renderRepository(baseUrl: string, repository: FakeRepository): Record<string, unknown> {
  const minimal = renderMinimalRepository(baseUrl, repository);
  const created = '2026-01-01T00:00:00Z';
  return {
    ...minimal,
    clone_url: `${baseUrl}/${repository.owner}/${repository.name}.git`,
    git_url: `git://127.0.0.1/${repository.owner}/${repository.name}.git`,
    ssh_url: `git@127.0.0.1:${repository.owner}/${repository.name}.git`,
    svn_url: `${baseUrl}/${repository.owner}/${repository.name}`,
    mirror_url: null,
    homepage: null,
    language: null,
    license: null,
    default_branch: 'main',
    forks: 0,
    forks_count: 0,
    open_issues: 0,
    open_issues_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    has_downloads: false,
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    archived: false,
    disabled: false,
    pushed_at: created,
    created_at: created,
    updated_at: created,
  };
}
