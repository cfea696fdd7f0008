/**
 * What each upstream offers, and which tool definitions an operator has pinned.
 *
 * @module
 */
import { findHiddenCharacters, type McpToolDefinition, toolDefinitionDigest } from '../pinning/tool-definition.js';

const MAX_PENDING = 1000;

/** A tool definition waiting for an operator to pin it. */
export interface PendingToolDefinition {
  /** The upstream offering it. */
  upstream: string;
  /** The tool's name. */
  tool: string;
  /** The digest an approval pins. */
  digest: string;
  /** The digest pinned before, when the definition changed. */
  pinnedDigest?: string;
  /** Invisible or bidirectional-control characters found in it (`U+200B`…). */
  hiddenCharacters: string[];
  /** The definition as the upstream listed it. */
  definition: McpToolDefinition;
}

/** One tool as last listed. */
export interface CatalogEntry {
  /** The definition. */
  definition: McpToolDefinition;
  /** Its digest. */
  digest: string;
  /** Hidden characters found. */
  hiddenCharacters: string[];
}

/** Listing and pin state. */
export class ToolCatalog {
  private readonly tools = new Map<string, Map<string, CatalogEntry>>();
  private readonly pins: Map<string, string>;
  private readonly pending = new Map<string, PendingToolDefinition>();
  /** Upstreams whose tools were listed at least once (trust on first use applies before that only). */
  private readonly listed = new Set<string>();

  /** @param options.pins initial pins `<upstream>/<tool>` → digest. */
  constructor(
    private readonly options: { mode: 'enforce' | 'off'; trustOnFirstUse: boolean; pins: Record<string, string> },
  ) {
    this.pins = new Map(Object.entries(options.pins));
  }

  /** Records a listing; returns the entries that are new or changed and not pinned (now pending). */
  record(upstream: string, definitions: readonly McpToolDefinition[], complete: boolean): PendingToolDefinition[] {
    const firstListing = !this.listed.has(upstream);
    this.listed.add(upstream);
    const known = this.tools.get(upstream) ?? new Map<string, CatalogEntry>();
    if (complete) known.clear();
    const fresh: PendingToolDefinition[] = [];
    for (const definition of definitions) {
      const entry: CatalogEntry = {
        definition,
        digest: toolDefinitionDigest(definition),
        hiddenCharacters: findHiddenCharacters(definition),
      };
      known.set(definition.name, entry);
      const key = `${upstream}/${definition.name}`;
      if (this.options.mode === 'off') continue;
      const pinned = this.pins.get(key);
      if (pinned === entry.digest) continue;
      if (pinned === undefined && firstListing && this.options.trustOnFirstUse && entry.hiddenCharacters.length === 0) {
        this.pins.set(key, entry.digest);
        continue;
      }
      const pendingKey = `${key}@${entry.digest}`;
      // A hostile upstream renaming tools endlessly must not grow this without bound.
      if (!this.pending.has(pendingKey) && this.pending.size < MAX_PENDING) {
        const item: PendingToolDefinition = {
          upstream,
          tool: definition.name,
          digest: entry.digest,
          hiddenCharacters: entry.hiddenCharacters,
          definition,
          ...(pinned === undefined ? {} : { pinnedDigest: pinned }),
        };
        this.pending.set(pendingKey, item);
        fresh.push(item);
      }
    }
    this.tools.set(upstream, known);
    return fresh;
  }

  /** Forgets an upstream's listing (after `notifications/tools/list_changed` or a restart). */
  invalidate(upstream: string): void {
    this.tools.delete(upstream);
  }

  /** The tool as last listed, or `undefined`. */
  lookup(upstream: string, tool: string): CatalogEntry | undefined {
    return this.tools.get(upstream)?.get(tool);
  }

  /** True when the catalogue holds a listing of `upstream` that names tools. */
  hasListing(upstream: string): boolean {
    return (this.tools.get(upstream)?.size ?? 0) > 0;
  }

  /** True when the definition is pinned (or pinning is off). */
  isPinned(upstream: string, entry: CatalogEntry): boolean {
    return this.options.mode === 'off' || this.pins.get(`${upstream}/${entry.definition.name}`) === entry.digest;
  }

  /** Definitions waiting for an operator. */
  listPending(): PendingToolDefinition[] {
    return [...this.pending.values()];
  }

  /** Pins a definition by digest; returns false when no such definition is pending. */
  approve(upstream: string, tool: string, digest: string): boolean {
    const key = `${upstream}/${tool}`;
    if (!this.pending.delete(`${key}@${digest}`)) return false;
    this.pins.set(key, digest);
    for (const pendingKey of [...this.pending.keys()])
      if (pendingKey.startsWith(`${key}@`)) this.pending.delete(pendingKey);
    return true;
  }
}
