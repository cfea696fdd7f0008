import { InvalidInputError } from '@warden/core';
import { describe, expect, it } from 'vitest';
import type { ConsoleConfig } from './index.js';
import { createConsole } from './index.js';
import { rawStatusLine, sha256, startConsole } from './test-support.js';

const operators = [{ name: 'alice', tokenSha256: sha256('alice-token') }];

/** The error `createConsole` throws for `config`, or `undefined` when it accepts it. */
function refusal(config: ConsoleConfig): InvalidInputError | undefined {
  try {
    createConsole(config).close();
    return undefined;
  } catch (error) {
    if (InvalidInputError.isInstance(error)) return error;
    throw error;
  }
}

describe('createConsole(config) validates its configuration', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1.5])(
    'refuses sessionTtlMs %s (NaN made every session, and a stolen cookie, live forever)',
    (sessionTtlMs) => {
      // A host reading the lifetime from an unset environment variable gets Number(undefined) = NaN.
      const error = refusal({ operators, sessionTtlMs });
      expect(error?.code).toBe('INVALID_INPUT');
      expect(error?.message).toContain('sessionTtlMs');
    },
  );

  it.each([
    [{ operators: [{ name: 'alice', tokenSha256: 'not-a-digest' }] }, 'operators.0.tokenSha256'],
    [{ operators: [{ name: '', tokenSha256: sha256('x') }] }, 'operators.0.name'],
    [{ operators: 'alice' as unknown as ConsoleConfig['operators'] }, 'operators'],
    [{ operators, basePath: 'console' }, 'basePath'],
    [{ operators, basePath: '/con"sole' }, 'basePath'],
    [{ operators, basePath: '//evil.example' }, 'basePath'],
    [{ operators, publicOrigin: 'https://ops.example/console' }, 'publicOrigin'],
    [{ operators, clientAddress: 'x-forwarded-for' as unknown as ConsoleConfig['clientAddress'] }, 'clientAddress'],
    [{ operators, allowedHosts: 'console.lan' as unknown as string[] }, 'allowedHosts'],
    [{ operators, allowedHosts: ['console.lan:8787'] }, 'allowedHosts.0'],
    [{ operators, allowedHosts: ['ok.lan', '*.console.lan'] }, 'allowedHosts.1'],
    [{ operators, allowedHosts: [''] }, 'allowedHosts.0'],
    [{ operators, allowedHosts: ['evil.example/console'] }, 'allowedHosts.0'],
    [{ operators, allowedHosts: ['evil@console.lan'] }, 'allowedHosts.0'],
    [{ operators, allowedHosts: ['fd00::2'] }, 'allowedHosts.0'],
  ])('refuses %j, naming %s', (config, field) => {
    const error = refusal(config);
    expect(error?.code).toBe('INVALID_INPUT');
    expect(error?.issues.map((issue) => issue.path)).toContain(field);
  });

  it('accepts a valid configuration, an upper-case digest and a trailing slash included', () => {
    expect(refusal({ operators: [{ name: 'alice', tokenSha256: sha256('t').toUpperCase() }] })).toBeUndefined();
    expect(refusal({ operators, basePath: '/ops/console/', publicOrigin: 'https://ops.example:8443' })).toBeUndefined();
    expect(refusal({ operators, sessionTtlMs: 60_000, basePath: '/' })).toBeUndefined();
    expect(
      refusal({ operators, allowedHosts: ['console.lan', 'Ops.Example.com', '192.0.2.2', '[fd00::2]'] }),
    ).toBeUndefined();
  });
});

describe('createConsole(config) reads only the configuration it was given', () => {
  it('refuses a field it does not know (a misspelt allowedHost), naming it', () => {
    const error = refusal({ operators, allowedHost: ['console.lan'] } as unknown as ConsoleConfig);
    expect(error?.code).toBe('INVALID_INPUT');
    expect(error?.issues.map((issue) => issue.path)).toEqual(['allowedHost']);
  });

  it('takes no allowedHosts or events from a polluted Object.prototype', async () => {
    const polluted = Object.prototype as Record<string, unknown>;
    const seen: unknown[] = [];
    polluted.allowedHosts = ['attacker.example'];
    polluted.events = { emit: (event: unknown) => seen.push(event) };
    let server: Awaited<ReturnType<typeof startConsole>> | undefined;
    try {
      server = await startConsole({ operators });
      const port = new URL(server.url).port;
      const status = await rawStatusLine(
        Number(port),
        `GET /console/sign-in HTTP/1.1\r\nHost: attacker.example:${port}\r\nConnection: close\r\n\r\n`,
      );
      expect(status).toBe('HTTP/1.1 403 Forbidden');
      expect(seen).toEqual([]);
    } finally {
      delete polluted.allowedHosts;
      delete polluted.events;
      await server?.close();
    }
  });
});
