/**
 * The per-request scope that carries security contexts through async code. Each
 * `withSecurityContext` call gets its own scope (on `AsyncLocalStorage`), so concurrent
 * requests — even to the same session — never see or clear each other's context. Outside a
 * scope there is no context, and the checks here fail closed.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Capability } from './capabilities.js';
import { AccessDeniedError, InvalidInputError } from './errors.js';
import type { PolicyCheckResult } from './policy/checks.js';
import type { SecurityContext } from './security-context.js';

interface ContextScope {
  readonly current: SecurityContext;
  readonly bySession: Map<string, SecurityContext>;
}

let storage: AsyncLocalStorage<ContextScope> | undefined;

function contextStorage(): AsyncLocalStorage<ContextScope> {
  storage ??= new AsyncLocalStorage<ContextScope>();
  return storage;
}

/**
 * Runs `fn` in a new scope whose current context is `ctx`. Contexts stored in an enclosing
 * scope stay visible; changes made inside do not leak out.
 */
export async function withSecurityContext<Result>(
  ctx: SecurityContext,
  fn: () => Promise<Result> | Result,
): Promise<Result> {
  const parent = contextStorage().getStore();
  const bySession = new Map(parent?.bySession);
  bySession.set(ctx.session, ctx);
  return contextStorage().run({ current: ctx, bySession }, fn);
}

/** The context of the innermost `withSecurityContext`, or `undefined` outside one. */
export function getCurrentContext(): SecurityContext | undefined {
  return contextStorage().getStore()?.current;
}

/**
 * Stores `ctx` in the current request's scope, where `getContext(ctx.session)` finds it.
 *
 * @throws {@link InvalidInputError} outside `withSecurityContext`: there is no request scope to
 * store it in, and a process-wide store would let one request see another's context.
 */
export function storeContext(ctx: SecurityContext): void {
  const scope = contextStorage().getStore();
  if (!scope) {
    throw new InvalidInputError({
      message: 'storeContext(ctx) must run inside withSecurityContext(ctx, fn): contexts are per request',
    });
  }
  scope.bySession.set(ctx.session, ctx);
}

/** The context stored for `session` in the current request's scope, or `undefined`. */
export function getContext(session: string): SecurityContext | undefined {
  return contextStorage().getStore()?.bySession.get(session);
}

/** Removes the context for `session` from the current request's scope only. */
export function clearContext(session: string): void {
  contextStorage().getStore()?.bySession.delete(session);
}

/** The current context, or an `AccessDeniedError` when there is none (fail closed). */
export function requireSecurityContext(): SecurityContext {
  const ctx = getCurrentContext();
  if (!ctx) throw new AccessDeniedError({ message: 'No security context: the request was denied' });
  return ctx;
}

const NO_CONTEXT: PolicyCheckResult = Object.freeze({ allowed: false, reason: 'No security context' });

/** Checks a capability against the current context; denied when there is none. */
export function checkCurrentCapability(capability: Capability): PolicyCheckResult {
  return getCurrentContext()?.checkCapability(capability) ?? NO_CONTEXT;
}

/** Checks a tool against the current context; denied when there is none. */
export function checkCurrentToolAccess(toolName: string): PolicyCheckResult {
  return getCurrentContext()?.checkToolAccess(toolName) ?? NO_CONTEXT;
}
