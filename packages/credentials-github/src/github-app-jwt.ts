/**
 * GitHub App JSON Web Tokens (RS256), signed with the app's private key, as GitHub documents
 * them: `iat` 60 seconds in the past against clock drift, `exp` within ten minutes, `iss` the
 * app's id (or client id).
 *
 * @module
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';

/** Lifetime of one JWT, seconds after `iat` (GitHub allows at most 600). */
const JWT_LIFETIME_SECONDS = 540;

/** Parses a PEM private key (PKCS#1 as GitHub issues it, or PKCS#8); throws on anything else. */
export function parseAppPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new Error('the GitHub App private key must be an RSA key');
  return key;
}

/** Signs a JWT for the app `issuer` at `nowMs`. */
export function signAppJwt(issuer: string, privateKey: KeyObject, nowMs: number): string {
  const issuedAt = Math.floor(nowMs / 1000) - 60;
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: issuedAt, exp: issuedAt + JWT_LIFETIME_SECONDS, iss: issuer })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey, 'base64url');
  return `${unsigned}.${signature}`;
}
