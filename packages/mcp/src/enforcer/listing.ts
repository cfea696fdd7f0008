/**
 * Listings filtered per caller (`tools/list`, `resources/list`, `resources/templates/list`,
 * `prompts/list`) and the checks on resource URIs and prompt names.
 *
 * @module
 */
import type { InjectionSource } from '@warden/core';
import { compileGlobList } from '@warden/core/policy';
import { isSafeToolName, type McpToolDefinition } from '../pinning/tool-definition.js';
import { findUnsafePattern } from '../policy/input-schema.js';
import { matchingRules, schemaCheckApplies } from './call-checks.js';
import { McpDeniedError } from './denial.js';
import type { EnforcerState } from './enforcer.js';
import { withholdHiddenItems } from './hidden-characters.js';
import { isRecord, type McpOutcome, type McpUpstreamCall } from './messages.js';

/** Who is asking, for the listing and call handlers. */
export interface ListingContext {
  /** Shared enforcer state. */
  state: EnforcerState;
  /** The caller's injection source. */
  source: InjectionSource;
  /** The caller's name. */
  caller: string;
  /** The upstream's name. */
  upstream: string;
}

const MAX_DISCOVERY_PAGES = 50;

/** How long a complete listing answers for names it does not hold, in milliseconds. */
const DISCOVERY_INTERVAL_MS = 5000;

/**
 * Every way an upstream might read `uri`: as written, normalised by the URL parser (`..` and
 * `%2e` segments resolve), and percent-decoded (once and repeatedly) then normalised — a server
 * that decodes the path reads `file:///docs/..%2F..%2Fetc%2Fpasswd` as `/etc/passwd`, while the
 * URL parser keeps `..%2F..%2Fetc%2Fpasswd` as one harmless segment. `undefined` when unreadable.
 */
function resourceInterpretations(uri: string): string[] | undefined {
  const readings = new Set<string>([uri]);
  let decoded = uri;
  try {
    readings.add(new URL(uri).href);
    for (let round = 0; round < 4 && decoded.includes('%'); round += 1) {
      decoded = decodeURIComponent(decoded);
      readings.add(decoded);
      readings.add(new URL(decoded).href);
    }
  } catch {
    return undefined;
  }
  return [...readings];
}

/** True when every reading of `uri` is allowed and none is denied. */
function resourceAllowed(state: EnforcerState, uri: unknown): boolean {
  if (typeof uri !== 'string' || uri.length > 8192) return false;
  const { allow, deny } = state.config.resources;
  if (allow === undefined) return false;
  const readings = resourceInterpretations(uri);
  if (readings === undefined) return false;
  const allowed = compileGlobList(allow);
  const denied = deny ? compileGlobList(deny) : undefined;
  return readings.every((reading) => allowed.matches(reading) && !denied?.matches(reading));
}

function promptAllowed(state: EnforcerState, upstream: string, name: unknown): boolean {
  if (typeof name !== 'string') return false;
  const key = `${upstream}/${name}`;
  const { allow, deny } = state.config.prompts;
  if (deny && compileGlobList(deny).matches(key)) return false;
  return allow !== undefined && compileGlobList(allow).matches(key);
}

function templateAllowed(state: EnforcerState, template: unknown): boolean {
  if (typeof template !== 'string') return false;
  const { allow, deny } = state.config.resources;
  if (deny && compileGlobList(deny).matches(template)) return false;
  return allow !== undefined && compileGlobList(allow).matches(template);
}

/** The tools this caller may see: allowed by policy and pinned. Records new or changed definitions. */
async function visibleTools(
  context: ListingContext,
  tools: readonly McpToolDefinition[],
  complete: boolean,
): Promise<McpToolDefinition[]> {
  const { state, source, upstream } = context;
  const { fresh, pinned } = await state.catalog.record(upstream, tools, complete);
  for (const pending of fresh) {
    await state.log
      .record('tool-definition-pending', undefined, upstream, {
        tool: pending.tool,
        digest: pending.digest,
        ...(pending.pinnedDigest ? { pinnedDigest: pending.pinnedDigest } : {}),
        hiddenCharacters: pending.hiddenCharacters,
      })
      .catch(() => undefined);
  }
  // Names outside MCP's ASCII charset could pass for an allowed tool (`bаsh`, Cyrillic `а`).
  const unsafe = tools.filter((tool) => !isSafeToolName(tool.name));
  if (unsafe.length > 0)
    await state.log
      .record('unsafe-tool-name', undefined, upstream, {
        tools: unsafe.slice(0, 16).map((tool) => tool.name.slice(0, 128)),
        count: unsafe.length,
        withheld: true,
      })
      .catch(() => undefined);
  const allowedNames = new Set(
    state.engine.filterToolsByPolicy(
      tools.filter((tool) => isSafeToolName(tool.name)).map((tool) => tool.name),
      source,
      upstream,
    ),
  );
  const visible = tools.filter((tool) => allowedNames.has(tool.name) && pinned.has(tool));
  // A tool whose schema pattern could hold the event loop is refused on call (when its schema is
  // checked): hidden here, so listing and call agree.
  const unsafePatterns = visible.filter(
    (tool) =>
      schemaCheckApplies(matchingRules(state.config.tools, upstream, tool.name)) &&
      findUnsafePattern(tool.inputSchema) !== undefined,
  );
  if (unsafePatterns.length === 0) return visible;
  await state.log
    .record('unsafe-schema-pattern', undefined, upstream, {
      tools: unsafePatterns.slice(0, 16).map((tool) => tool.name),
      count: unsafePatterns.length,
      reason: findUnsafePattern(unsafePatterns[0]?.inputSchema),
      withheld: true,
    })
    .catch(() => undefined);
  const withheld = new Set(unsafePatterns);
  return visible.filter((tool) => !withheld.has(tool));
}

/**
 * Fills the catalogue for a call naming a tool it does not hold. Each discovery lists up to
 * {@link MAX_DISCOVERY_PAGES} pages, so it is bounded per upstream, not per call: a caller calling
 * many unknown names made Warden list 50 pages for each. At most one runs at a time (calls arriving
 * meanwhile wait for it), and none runs while a complete listing is less than
 * {@link DISCOVERY_INTERVAL_MS} old and no `notifications/tools/list_changed` dropped it: a name
 * missing from that listing is unknown, and refused as before. A discovery that failed lets the
 * next call try again.
 */
export async function discoverTools(context: ListingContext, upstream: McpUpstreamCall): Promise<void> {
  const { catalog } = context.state;
  // Another caller's discovery may fail for a reason of its own (its upstream session): then
  // this call lists for itself rather than fail with it.
  const joined = await catalog.discoveryUnderWay(context.upstream)?.then(
    () => true,
    () => false,
  );
  if (joined === true) return;
  if (catalog.listedWithin(context.upstream, DISCOVERY_INTERVAL_MS)) return;
  await catalog.shareDiscovery(context.upstream, () => listAllTools(context, upstream));
}

/** Lists every page of the upstream's tools into the catalogue. */
async function listAllTools(context: ListingContext, upstream: McpUpstreamCall): Promise<void> {
  let cursor: string | undefined;
  const all: McpToolDefinition[] = [];
  for (let page = 0; page < MAX_DISCOVERY_PAGES; page += 1) {
    const outcome = await upstream('tools/list', cursor === undefined ? {} : { cursor });
    if ('error' in outcome || !isRecord(outcome.result) || !Array.isArray(outcome.result.tools)) {
      throw new McpDeniedError({ denial: 'UPSTREAM_UNAVAILABLE', message: 'the upstream did not list its tools' });
    }
    // One by one: a page spread into push() overflows the stack past ~120,000 tools.
    for (const tool of outcome.result.tools) if (isToolDefinition(tool)) all.push(tool as McpToolDefinition);
    cursor = typeof outcome.result.nextCursor === 'string' ? outcome.result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  await visibleTools(context, all, true);
}

function isToolDefinition(value: unknown): boolean {
  return isRecord(value) && typeof value.name === 'string';
}

function filterResult(
  outcome: McpOutcome,
  field: string,
  keep: (item: Record<string, unknown>) => boolean,
): McpOutcome {
  if ('error' in outcome || !isRecord(outcome.result) || !Array.isArray(outcome.result[field])) return outcome;
  const items = (outcome.result[field] as unknown[]).filter((item) => isRecord(item) && keep(item));
  return { result: { ...outcome.result, [field]: items } };
}

/**
 * Handles the listing and read methods; returns `undefined` for a method it does not know.
 * @throws `McpDeniedError` for a refused resource or prompt.
 */
export async function handleListing(
  context: ListingContext,
  method: string,
  params: unknown,
  upstream: McpUpstreamCall,
): Promise<McpOutcome | undefined> {
  const { state } = context;
  const record = (details: Record<string, unknown>) =>
    state.log.record('listed', context.source, context.upstream, { caller: context.caller, method, ...details });
  // A filtered listing is a decision like any other: recorded before the client sees it, and
  // refused when the audit sink cannot record it (it went out unrecorded).
  const withholdHidden = async (outcome: McpOutcome, field: string) => {
    const shown = await withholdHiddenItems(state, context.upstream, method, outcome, field);
    if ('result' in shown && isRecord(shown.result) && Array.isArray(shown.result[field]))
      await record({ visible: shown.result[field].length });
    return shown;
  };
  switch (method) {
    case 'tools/list': {
      const outcome = await upstream(method, params);
      if ('error' in outcome || !isRecord(outcome.result) || !Array.isArray(outcome.result.tools)) return outcome;
      const tools = outcome.result.tools.filter(isToolDefinition) as McpToolDefinition[];
      const complete = !isRecord(params) || params.cursor === undefined;
      const visible = await visibleTools(context, tools, complete && outcome.result.nextCursor === undefined);
      await record({ offered: tools.length, visible: visible.length });
      return { result: { ...outcome.result, tools: visible } };
    }
    case 'resources/list':
      return withholdHidden(
        filterResult(await upstream(method, params), 'resources', (item) => resourceAllowed(state, item.uri)),
        'resources',
      );
    case 'resources/templates/list':
      return withholdHidden(
        filterResult(await upstream(method, params), 'resourceTemplates', (item) =>
          templateAllowed(state, item.uriTemplate),
        ),
        'resourceTemplates',
      );
    case 'prompts/list':
      return withholdHidden(
        filterResult(await upstream(method, params), 'prompts', (item) =>
          promptAllowed(state, context.upstream, item.name),
        ),
        'prompts',
      );
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      const uri = isRecord(params) ? params.uri : undefined;
      if (!resourceAllowed(state, uri))
        throw new McpDeniedError({ denial: 'RESOURCE_DENIED', message: 'the resource URI is not allowed' });
      await state.log.record('allowed', context.source, context.upstream, { caller: context.caller, method, uri });
      return upstream(method, params);
    }
    case 'prompts/get': {
      const name = isRecord(params) ? params.name : undefined;
      if (!promptAllowed(state, context.upstream, name))
        throw new McpDeniedError({ denial: 'PROMPT_DENIED', message: 'the prompt is not allowed' });
      await state.log.record('allowed', context.source, context.upstream, {
        caller: context.caller,
        method,
        prompt: name,
      });
      return upstream(method, params);
    }
    case 'completion/complete': {
      const ref = isRecord(params) && isRecord(params.ref) ? params.ref : {};
      const allowed =
        ref.type === 'ref/prompt'
          ? promptAllowed(state, context.upstream, ref.name)
          : templateAllowed(state, ref.uri) || resourceAllowed(state, ref.uri);
      if (!allowed)
        throw new McpDeniedError({
          denial: ref.type === 'ref/prompt' ? 'PROMPT_DENIED' : 'RESOURCE_DENIED',
          message: 'completion for a reference that is not allowed',
        });
      await state.log.record('allowed', context.source, context.upstream, {
        caller: context.caller,
        method,
        ...(ref.type === 'ref/prompt' ? { prompt: ref.name } : { uri: ref.uri }),
      });
      return upstream(method, params);
    }
    default:
      return undefined;
  }
}
