/**
 * An event emitter that knows whether anyone listens, so the decision log can skip building
 * and redacting events that would reach nobody (each decision's event is a deep copy of the
 * event with every key matched against the secret patterns: a tenth of the stdio wrapper's CPU
 * per call when no one subscribes, as in the `warden-mcp` command without an audit sink).
 *
 * @module
 */
import { createSecurityEventEmitter, type SecurityEventEmitter, type SecurityEventListener } from '@warden/core';

const listenerChecks = new WeakMap<SecurityEventEmitter, () => boolean>();

/** Creates an emitter whose listeners {@link isObserved} can see. */
export function createObservedEventEmitter(): SecurityEventEmitter {
  const inner = createSecurityEventEmitter();
  const listeners = new Set<SecurityEventListener>();
  const emitter: SecurityEventEmitter = {
    on(channel, listener) {
      listeners.add(listener);
      inner.on(channel, listener);
      return () => emitter.off(channel, listener);
    },
    off(channel, listener) {
      listeners.delete(listener);
      inner.off(channel, listener);
    },
    emit: (event) => inner.emit(event),
  };
  listenerChecks.set(emitter, () => listeners.size > 0);
  return emitter;
}

/**
 * False only for an emitter made by {@link createObservedEventEmitter} that has no listener;
 * any other emitter counts as observed (its listeners are out of sight).
 */
export function isObserved(emitter: SecurityEventEmitter): boolean {
  return listenerChecks.get(emitter)?.() ?? true;
}
