/**
 * What each upstream offers, and which tool definitions an operator has pinned.
 *
 * @module
 */
import type { Clock } from '@warden/core';
import type { ToolPinStore } from '../pinning/pin-store.js';
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

/** What a listing resolved to: definitions now pending, and the names that are pinned. */
export interface RecordedListing {
  /** Entries that are new or changed and not pinned (now pending), first seen in this listing. */
  fresh: PendingToolDefinition[];
  /**
   * The listed definitions that are pinned (all of them when pinning is off). A name listed twice
   * is never pinned: an upstream cannot show a changed definition next to the pinned one.
   */
  pinned: Set<McpToolDefinition>;
}

/**
 * Listing and pin state. The listings and the pending definitions are this process's; the pins
 * approved at run time live in a {@link ToolPinStore} (shared by every replica when it is
 * shared). A pin in the store wins over one in the configuration.
 */
export class ToolCatalog {
  private readonly tools = new Map<string, Map<string, CatalogEntry>>();
  private readonly configuredPins: Map<string, string>;
  private readonly pending = new Map<string, PendingToolDefinition>();
  /** Upstreams whose tools were listed at least once (trust on first use applies before that only). */
  private readonly listed = new Set<string>();
  /** When each upstream's last complete listing was recorded (monotonic milliseconds). */
  private readonly completeAt = new Map<string, number>();
  /** The discovery under way for each upstream (calls naming a tool not yet listed share it). */
  private readonly discoveries = new Map<string, Promise<void>>();

  /**
   * @param options.pins pins from the configuration, `<upstream>/<tool>` → digest.
   * @param now monotonic milliseconds (how old a listing is).
   */
  constructor(
    private readonly options: { mode: 'enforce' | 'off'; trustOnFirstUse: boolean; pins: Record<string, string> },
    private readonly store: ToolPinStore,
    private readonly now: Clock,
  ) {
    this.configuredPins = new Map(Object.entries(options.pins));
  }

  /**
   * Records a listing and resolves its pins. @throws when the pin store cannot answer (the caller
   * denies).
   */
  async record(
    upstream: string,
    definitions: readonly McpToolDefinition[],
    complete: boolean,
  ): Promise<RecordedListing> {
    const firstListing = !this.listed.has(upstream);
    this.listed.add(upstream);
    const known = this.tools.get(upstream) ?? new Map<string, CatalogEntry>();
    if (complete) known.clear();
    const entries = definitions.map((definition) => {
      const entry: CatalogEntry = {
        definition,
        digest: toolDefinitionDigest(definition),
        hiddenCharacters: findHiddenCharacters(definition),
      };
      known.set(definition.name, entry);
      return entry;
    });
    this.tools.set(upstream, known);
    if (complete) this.completeAt.set(upstream, this.now());
    if (this.options.mode === 'off') return { fresh: [], pinned: new Set(definitions) };
    const pins = await this.pinsOf(upstream, entries);
    if (firstListing && this.options.trustOnFirstUse) await this.trustFirstListing(upstream, entries, pins);
    const pinned = new Set<McpToolDefinition>();
    const fresh: PendingToolDefinition[] = [];
    const seen = new Set<string>();
    const duplicated = new Set(
      definitions.filter(({ name }) => seen.has(name) || !seen.add(name)).map(({ name }) => name),
    );
    entries.forEach((entry, index) => {
      const pin = pins[index];
      if (pin === entry.digest) {
        if (!duplicated.has(entry.definition.name)) pinned.add(entry.definition);
      } else {
        const item = this.addPending(upstream, entry, pin);
        if (item) fresh.push(item);
      }
    });
    return { fresh, pinned };
  }

  /** Trust on first use: pins every clean, unpinned tool if no process listed the upstream before. */
  private async trustFirstListing(
    upstream: string,
    entries: readonly CatalogEntry[],
    pins: Array<string | undefined>,
  ): Promise<void> {
    const candidates: Record<string, string> = {};
    entries.forEach((entry, index) => {
      if (pins[index] === undefined && entry.hiddenCharacters.length === 0)
        candidates[entry.definition.name] = entry.digest;
    });
    if (!(await this.store.pinFirstListing(upstream, candidates))) return;
    entries.forEach((entry, index) => {
      if (Object.hasOwn(candidates, entry.definition.name)) pins[index] = entry.digest;
    });
  }

  private async pinsOf(upstream: string, entries: readonly CatalogEntry[]): Promise<Array<string | undefined>> {
    const names = entries.map((entry) => entry.definition.name);
    const stored = names.length === 0 ? [] : await this.store.get(upstream, names);
    return names.map((tool, index) => stored[index] ?? this.configuredPins.get(`${upstream}/${tool}`));
  }

  private addPending(
    upstream: string,
    entry: CatalogEntry,
    pinned: string | undefined,
  ): PendingToolDefinition | undefined {
    const pendingKey = `${upstream}/${entry.definition.name}@${entry.digest}`;
    // A hostile upstream renaming tools endlessly must not grow this without bound.
    if (this.pending.has(pendingKey) || this.pending.size >= MAX_PENDING) return undefined;
    const item: PendingToolDefinition = {
      upstream,
      tool: entry.definition.name,
      digest: entry.digest,
      hiddenCharacters: entry.hiddenCharacters,
      definition: entry.definition,
      ...(pinned === undefined ? {} : { pinnedDigest: pinned }),
    };
    this.pending.set(pendingKey, item);
    return item;
  }

  /** Forgets an upstream's listing (after `notifications/tools/list_changed` or a restart). */
  invalidate(upstream: string): void {
    this.tools.delete(upstream);
    this.completeAt.delete(upstream);
  }

  /** True when a complete listing of `upstream` was recorded less than `ms` ago and not invalidated since. */
  listedWithin(upstream: string, ms: number): boolean {
    const at = this.completeAt.get(upstream);
    return at !== undefined && this.now() - at < ms;
  }

  /** The discovery of `upstream` under way, if any. */
  discoveryUnderWay(upstream: string): Promise<void> | undefined {
    return this.discoveries.get(upstream);
  }

  /**
   * Runs `discover` for `upstream` unless a discovery of it is already under way, in which case
   * this waits for that one instead (and rejects as it does).
   */
  async shareDiscovery(upstream: string, discover: () => Promise<void>): Promise<void> {
    const running = this.discoveries.get(upstream);
    if (running !== undefined) return running;
    const started = discover().finally(() => this.discoveries.delete(upstream));
    this.discoveries.set(upstream, started);
    return started;
  }

  /** The tool as last listed, or `undefined`. */
  lookup(upstream: string, tool: string): CatalogEntry | undefined {
    return this.tools.get(upstream)?.get(tool);
  }

  /** True when the catalogue holds a listing of `upstream` that names tools. */
  hasListing(upstream: string): boolean {
    return (this.tools.get(upstream)?.size ?? 0) > 0;
  }

  /** True when the definition is pinned (or pinning is off). @throws when the pin store cannot answer. */
  async isPinned(upstream: string, entry: CatalogEntry): Promise<boolean> {
    if (this.options.mode === 'off') return true;
    const [pin] = await this.pinsOf(upstream, [entry]);
    return pin === entry.digest;
  }

  /** Definitions waiting for an operator (seen by this process). */
  listPending(): PendingToolDefinition[] {
    return [...this.pending.values()];
  }

  /**
   * Pins a definition by digest in the store (so every replica sharing it honours the pin).
   * Returns false unless the definition is pending here or is the one this process last listed.
   */
  async approve(upstream: string, tool: string, digest: string): Promise<boolean> {
    const key = `${upstream}/${tool}`;
    const known = this.pending.has(`${key}@${digest}`) || this.lookup(upstream, tool)?.digest === digest;
    if (!known) return false;
    await this.store.pin(upstream, tool, digest);
    for (const [pendingKey, item] of [...this.pending])
      if (item.upstream === upstream && item.tool === tool) this.pending.delete(pendingKey);
    return true;
  }
}
