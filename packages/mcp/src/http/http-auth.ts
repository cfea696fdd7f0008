/**
 * Who is calling the HTTP gateway: a bearer token whose SHA-256 digest a caller lists, or an
 * OAuth 2.1 access token (a JWT) whose issuer, audience, expiry and signature check out and
 * whose `sub` a caller lists.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, importSPKI, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { ResolvedMcpConfig } from '../config/config-schema.js';

/** The caller, or why there is none. */
type AuthResult = { caller: string } | { error: string };

/** Authenticates requests. */
export type Authenticator = (authorization: string | undefined) => Promise<AuthResult>;

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** Creates the authenticator for a configuration. */
export function createAuthenticator(config: ResolvedMcpConfig): Authenticator {
  const tokenCallers: Array<{ caller: string; digest: Buffer }> = [];
  const subjects = new Map<string, string>();
  for (const [caller, entry] of Object.entries(config.callers)) {
    for (const digest of entry.tokenDigests ?? [])
      tokenCallers.push({ caller, digest: Buffer.from(digest.slice('sha256:'.length), 'hex') });
    for (const subject of entry.subjects ?? []) subjects.set(subject, caller);
  }
  const oauth = config.http.oauth;
  let key: Promise<JWTVerifyGetKey | Awaited<ReturnType<typeof importSPKI>>> | undefined;
  const keyFor = () => {
    if (!oauth) return undefined;
    key ??= oauth.jwksUrl
      ? Promise.resolve(createRemoteJWKSet(new URL(oauth.jwksUrl)))
      : importSPKI(oauth.publicKeyPem ?? '', 'RS256').catch(() => importSPKI(oauth.publicKeyPem ?? '', 'ES256'));
    return key;
  };
  const anonymous = tokenCallers.length === 0 && !oauth;

  return async (authorization) => {
    if (authorization === undefined)
      return anonymous ? { caller: config.defaultCaller } : { error: 'missing bearer token' };
    const match = /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(authorization);
    if (!match?.[1]) return { error: 'malformed Authorization header' };
    const token = match[1];
    const digest = digestOf(token);
    // Every digest is compared, so the time taken says nothing about which caller nearly matched.
    let found: string | undefined;
    for (const entry of tokenCallers)
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.caller;
    if (found !== undefined) return { caller: found };
    if (!oauth) return { error: 'unknown token' };
    try {
      const verifyKey = await keyFor();
      const { payload } = await jwtVerify(token, verifyKey as never, {
        issuer: oauth.issuer,
        audience: oauth.audience,
        clockTolerance: Math.round(oauth.clockToleranceMs / 1000),
        requiredClaims: ['exp', 'sub'],
      });
      const caller = typeof payload.sub === 'string' ? subjects.get(payload.sub) : undefined;
      return caller === undefined ? { error: 'the token’s subject is not a known caller' } : { caller };
    } catch {
      return { error: 'invalid access token (issuer, audience, expiry or signature)' };
    }
  };
}
