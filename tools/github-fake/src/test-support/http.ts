/**
 * Plain `fetch` helpers for the fake's own tests (the fake is tested without Octokit, so that a
 * bug in one cannot hide a bug in the other).
 *
 * @module
 */
import { createSign } from 'node:crypto';
import type { GitHubFake } from '../github-fake.js';

/** A response read as JSON. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Sends one request to the fake with the user token unless `token` says otherwise (`null`: none). */
export async function callFake(
  fake: GitHubFake,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; scheme?: 'token' | 'bearer' } = {},
): Promise<JsonResponse> {
  const token = options.token === undefined ? fake.userToken : options.token;
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' };
  if (token !== null) headers.authorization = `${options.scheme ?? 'token'} ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === 'string'
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** Signs an app JWT the way GitHub documents it (RS256, iss = app id, exp ≤ 10 minutes). */
export function signAppJwt(fake: GitHubFake, claims: Record<string, unknown> = {}, nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: seconds - 30, exp: seconds + 540, iss: fake.app.appId, ...claims })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(fake.app.privateKeyPem, 'base64url');
  return `${unsigned}.${signature}`;
}
