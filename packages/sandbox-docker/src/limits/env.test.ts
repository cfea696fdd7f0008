import { describe, expect, it } from 'vitest';
import { filterCredentialEnv, isCredentialLikeEnvName } from './env.js';

describe('isCredentialLikeEnvName(name)', () => {
  it.each([
    'GITHUB_TOKEN',
    'GH_TOKEN',
    'NPM_TOKEN',
    'CLIENT_SECRET',
    'STRIPE_SECRET_KEY',
    'OPENAI_API_KEY',
    'API_KEY',
    'AWS_ACCESS_KEY_ID',
    'AWS_REGION',
    'DB_PASSWORD',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'DATABASE_URL',
    'SENTRY_DSN',
    'DOCKER_HOST',
  ])('is true for %s', (name) => {
    expect(isCredentialLikeEnvName(name)).toBe(true);
  });

  it.each(['PGPASSWORD', 'MYSQL_ROOTPASSWORD', 'DBPASSWORD_FILE', 'password', 'LDAPPASSWD'])(
    'is true for %s: the README promises *PASSWORD* anywhere in the name (PostgreSQL reads PGPASSWORD)',
    (name) => {
      expect(isCredentialLikeEnvName(name)).toBe(true);
    },
  );

  it.each(['PATH', 'HOME', 'LANG', 'KEYBOARD_LAYOUT', 'MONKEY', 'TOKENIZER_MODE', 'PWD', 'NODE_ENV'])(
    'is false for %s',
    (name) => {
      expect(isCredentialLikeEnvName(name)).toBe(false);
    },
  );
});

describe('filterCredentialEnv(env, allowed)', () => {
  it('drops credential-looking names unless allowed, and reports what it dropped', () => {
    const filtered = filterCredentialEnv(
      { GITHUB_TOKEN: 'a', AWS_SECRET_ACCESS_KEY: 'b', MODE: 'c' },
      new Set(['GITHUB_TOKEN']),
    );
    expect(filtered).toEqual({ kept: { GITHUB_TOKEN: 'a', MODE: 'c' }, dropped: ['AWS_SECRET_ACCESS_KEY'] });
  });
});
