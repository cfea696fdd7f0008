/**
 * The `ConfigStore` port: where a security engine loads and saves its configuration. Core's
 * default is a JSON file (`createJsonFileConfigStore`, in its own module because it is core's
 * only I/O); this module also has an in-memory store for tests and embedded use.
 *
 * @module
 */
import type { SecurityConfig } from './policy/config-schema.js';

/**
 * Persists a security configuration.
 *
 * An implementation must:
 * - resolve `load()` to `undefined` when nothing is stored yet, and otherwise to the stored
 *   document exactly as written (the engine validates it; the store does not interpret it);
 * - make `save()` atomic: after a crash or a failed save, `load()` returns either the previous
 *   document or the new one, never a mix or a truncated file;
 * - reject `save()` when the document could not be stored, so the engine keeps the old one.
 */
export interface ConfigStore {
  /** Reads the stored document, or `undefined` when there is none. */
  load(): Promise<unknown>;
  /** Stores a validated configuration, replacing the previous one atomically. */
  save(config: SecurityConfig): Promise<void>;
}

/** An in-memory {@link ConfigStore}; `document` is what a later `load()` returns. */
export interface MemoryConfigStore extends ConfigStore {
  /** The stored document (a deep copy of what was saved), or `undefined`. */
  readonly document: unknown;
}

/** Creates an in-memory store, optionally holding a document already. */
export function createMemoryConfigStore(initialDocument?: unknown): MemoryConfigStore {
  let document: unknown = initialDocument === undefined ? undefined : structuredClone(initialDocument);
  return {
    get document() {
      return document;
    },
    async load() {
      return document === undefined ? undefined : structuredClone(document);
    },
    async save(config) {
      document = structuredClone(config);
    },
  };
}
