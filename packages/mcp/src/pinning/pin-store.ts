/**
 * Where tool pins approved at run time live: in memory (one process) by default, or in a store
 * every replica shares (`createRedisToolPinStore`), so a definition an operator approves on one
 * replica is pinned on all of them.
 *
 * @module
 */

/**
 * Pinned tool definitions, keyed by upstream and tool name. An implementation must answer from
 * the shared state (no stale local copy: a replaced pin must stop matching everywhere), and must
 * throw when it cannot answer: the enforcer then denies (fails closed).
 */
export interface ToolPinStore {
  /** The pinned digests of `tools` of `upstream`, in order (`undefined` where none). */
  get(upstream: string, tools: readonly string[]): Promise<Array<string | undefined>>;
  /** Pins `digest` for the tool, replacing an earlier pin. */
  pin(upstream: string, tool: string, digest: string): Promise<void>;
  /**
   * Trust on first use: pins `pins` (tool → digest) only if no listing of `upstream` was ever
   * pinned this way before, in any process sharing the store. Returns true when it pinned them.
   */
  pinFirstListing(upstream: string, pins: Readonly<Record<string, string>>): Promise<boolean>;
}

/** A {@link ToolPinStore} in this process's memory (pins are lost on exit and not shared). */
export function createMemoryToolPinStore(): ToolPinStore {
  const pins = new Map<string, string>();
  const firstListed = new Set<string>();
  return {
    async get(upstream, tools) {
      return tools.map((tool) => pins.get(`${upstream}/${tool}`));
    },
    async pin(upstream, tool, digest) {
      pins.set(`${upstream}/${tool}`, digest);
    },
    async pinFirstListing(upstream, first) {
      if (firstListed.has(upstream)) return false;
      firstListed.add(upstream);
      for (const [tool, digest] of Object.entries(first)) pins.set(`${upstream}/${tool}`, digest);
      return true;
    },
  };
}
