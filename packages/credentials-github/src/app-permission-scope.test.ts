import { loadGitHubOpenApiDocument } from '@warden/github-fake';
import { describe, expect, it } from 'vitest';
import { PERMISSION_LEVELS, parseAppTokenScope, permissionsBeyond } from './app-permission-scope.js';

describe('parseAppTokenScope(scope)', () => {
  it('maps "contents:read" onto { contents: "read" } and "repository:<name>" onto repositories', () => {
    expect(parseAppTokenScope(['contents:read', 'issues:write', 'repository:sandbox', 'repository:tools'])).toEqual({
      permissions: { contents: 'read', issues: 'write' },
      repositories: ['sandbox', 'tools'],
    });
  });

  it('keeps the higher level when a permission is named twice', () => {
    expect(parseAppTokenScope(['contents:write', 'contents:read']).permissions).toEqual({ contents: 'write' });
  });

  it('refuses an unknown permission, a level the permission does not allow, and a scope without permissions', () => {
    expect(() => parseAppTokenScope(['repo:read'])).toThrow(/"repo" is not a GitHub App permission/);
    expect(() => parseAppTokenScope(['workflows:read'])).toThrow(/"workflows" allows write/);
    expect(() => parseAppTokenScope(['constructor:read'])).toThrow(/not a GitHub App permission/);
    expect(() => parseAppTokenScope(['repository:sandbox'])).toThrow(/at least one permission/);
  });
});

describe('permissionsBeyond(granted, requested)', () => {
  it('lists permissions granted but not requested, or at a higher level', () => {
    expect(permissionsBeyond({ contents: 'write', issues: 'read' }, { contents: 'read', issues: 'read' })).toEqual([
      'contents:write',
    ]);
    expect(permissionsBeyond({ contents: 'read' }, { contents: 'write' })).toEqual([]);
    expect(permissionsBeyond({ pages: 'read' }, {})).toEqual(['pages:read']);
  });
});

describe('PERMISSION_LEVELS', () => {
  it("lists exactly the permissions and levels of GitHub's OpenAPI description (app-permissions)", () => {
    const schema = loadGitHubOpenApiDocument().components.schemas?.['app-permissions'] as {
      properties: Record<string, { enum: string[] }>;
    };
    const fromDescription = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, property.enum]),
    );
    expect(PERMISSION_LEVELS).toEqual(fromDescription);
  });
});
