import { describe, expect, it, vi } from 'vitest';
import { createStubJITCredentialIssuer } from './stub-jit-credential-issuer.js';

describe('createStubJITCredentialIssuer(options)', () => {
  it('issue(scope, ttl) reads the time from now and expires at issuedAt + ttl', async () => {
    let time = Date.UTC(2026, 0, 1);
    const issuer = createStubJITCredentialIssuer({ now: () => time });
    const credential = await issuer.issue(['contents:read'], '15m', { subject: 'agent-7' });
    expect(credential).toMatchObject({
      scope: ['contents:read'],
      issuedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:15:00.000Z',
    });
    time += 15 * 60_000;
    expect(await issuer.isValid(credential.id)).toBe(false);
  });

  it('isValid(id) after the wall clock stepped back an hour (a fault is an attacker) is still false once the TTL has run', async () => {
    const monotonic = vi.spyOn(performance, 'now').mockReturnValue(10_000);
    const wall = vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2026, 0, 1));
    try {
      const issuer = createStubJITCredentialIssuer();
      const credential = await issuer.issue(['contents:read'], '15m');
      wall.mockReturnValue(Date.UTC(2026, 0, 1) - 3_600_000);
      monotonic.mockReturnValue(10_000 + 15 * 60_000);
      // On the wall clock alone the credential stayed valid for another hour.
      expect(await issuer.isValid(credential.id)).toBe(false);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('issue(scope, ttl) makes a 256-bit base64url token behind the wst_ prefix', async () => {
    const issuer = createStubJITCredentialIssuer();
    const { token } = await issuer.issue(['contents:read'], 60_000);
    expect(token).toMatch(/^wst_[A-Za-z0-9_-]{43}$/);
  });

  it('issue(scope, ttl) refuses a TTL above maxTtlMs', async () => {
    const issuer = createStubJITCredentialIssuer({ maxTtlMs: 3_600_000 });
    await expect(issuer.issue(['contents:read'], '2h')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(issuer.issue(['contents:read'], '1h')).resolves.toBeDefined();
  });

  it('createStubJITCredentialIssuer({ maxTtlMs }) refuses a maxTtlMs that is not a positive whole number, as the GitHub issuers refuse maxTtl', async () => {
    // A limit read from an unset variable (NaN) or given as text accepted every TTL, so a test
    // that relied on the stub to refuse a too-long credential passed.
    for (const maxTtlMs of [Number.NaN, '1h', 0, -1, 1.5]) {
      expect(() => createStubJITCredentialIssuer({ maxTtlMs: maxTtlMs as number })).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('maxTtlMs') }),
      );
    }
  });

  it('issue(scope, ttl, options) with an unknown option or a malformed subject throws INVALID_INPUT', async () => {
    const issuer = createStubJITCredentialIssuer();
    const issue = issuer.issue as (scope: unknown, ttl: unknown, options: unknown) => Promise<unknown>;
    for (const options of [{ subjct: 'typo' }, { subject: 'has\ttab' }, null, 'agent']) {
      await expect(issue.call(issuer, ['contents:read'], '15m', options)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
  });

  it('records every call without any token, with the time from now', async () => {
    const issuer = createStubJITCredentialIssuer({ now: () => 0 });
    const { id, token } = await issuer.issue(['contents:read'], '1h');
    await issuer.isValid(id);
    await issuer.revoke(id);
    expect(issuer.calls.map((call) => call.method)).toEqual(['issue', 'isValid', 'revoke']);
    expect(issuer.calls[0]).toEqual({
      method: 'issue',
      args: [['contents:read'], '1h', undefined],
      at: '1970-01-01T00:00:00.000Z',
    });
    expect(JSON.stringify(issuer.calls)).not.toContain(token);
  });

  it('revoke(id) and isValid(id) given a string carrying a token (an Authorization header mixed up with an id) record it redacted and never echo it', async () => {
    const issuer = createStubJITCredentialIssuer();
    const { token } = await issuer.issue(['contents:read'], '1h');
    for (const carrier of [`Bearer ${token}`, `${token}\n`, ` ${token}`, `token ${token}`]) {
      const refusal = await issuer.revoke(carrier).catch((error: unknown) => error);
      expect(`${(refusal as Error).message} ${JSON.stringify(refusal)}`).not.toContain(token);
      // A valid-looking id is not valid; anything else is INVALID_INPUT. Neither echoes the token.
      const answer = await issuer.isValid(carrier).catch((error: unknown) => error);
      if (answer !== false) expect(answer).toMatchObject({ code: 'INVALID_INPUT' });
      expect(`${String(answer)} ${JSON.stringify(answer)}`).not.toContain(token);
    }
    expect(JSON.stringify(issuer.calls)).not.toContain(token);
    expect(issuer.calls.slice(1).map((call) => call.args)).toEqual(Array(8).fill(['[redacted]']));
  });
});
