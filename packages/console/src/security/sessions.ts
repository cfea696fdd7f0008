/**
 * Server-side sessions: the cookie holds only a random id; the operator, the CSRF token and the
 * expiry stay on the server, keyed by the id's SHA-256 (a leaked session table holds no cookie).
 *
 * @module
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@warden/core';
import type { ConsoleOperator } from '../config.js';

/** One signed-in operator. */
export interface ConsoleSession {
  /** The operator's name. */
  operator: string;
  /** The synchronizer token every state-changing form carries. */
  csrfToken: string;
  /** When the session ends (epoch ms). */
  expiresAt: number;
  /** A message shown once on the next page. */
  flash?: { kind: 'success' | 'error'; text: string };
}

const MAX_SESSIONS = 10_000;

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A random, URL-safe token of `bytes` bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(actual: string, expected: string): boolean {
  const left = Buffer.from(actual, 'utf8');
  const right = Buffer.from(expected, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The operator whose token this is, or `undefined`. Every configured digest is compared in
 * constant time, whatever matched first, so the time taken says nothing about which one matched.
 */
export function operatorForToken(operators: readonly ConsoleOperator[], token: string): string | undefined {
  const actual = Buffer.from(digest(token), 'hex');
  let found: string | undefined;
  for (const operator of operators) {
    const expected = Buffer.from(operator.tokenSha256, 'hex');
    if (expected.length === actual.length && timingSafeEqual(actual, expected) && found === undefined) {
      found = operator.name;
    }
  }
  return found;
}

/** The session table. */
export class SessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: Clock,
  ) {}

  /** Starts a session; returns the id for the cookie. */
  create(operator: string): { id: string; session: ConsoleSession } {
    this.sweep();
    const id = randomToken();
    const session: ConsoleSession = { operator, csrfToken: randomToken(), expiresAt: this.now() + this.ttlMs };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session for a cookie id, or `undefined` (unknown or expired). */
  get(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined || id.length > 100) return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Ends a session. */
  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id));
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
    // Sign-ins need a valid token, so only operators fill this; still, never without bound.
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
  }
}
