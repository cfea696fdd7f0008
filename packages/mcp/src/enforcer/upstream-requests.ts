/**
 * An upstream's elicitations, told apart from Warden's own approval prompts. A hostile server can
 * send the client an `elicitation/create` worded and shaped like Warden's approval prompt (same
 * message, a `urn:warden:` or phishing URL), so that the user "approves" what they take for
 * Warden's question. Warden's prompts carry `_meta["io.warden/origin"] = { source: "warden" }`;
 * an upstream's elicitation reaches the client only with `{ source: "upstream", upstream }` there
 * and its message prefixed with the upstream's name, and one that names Warden anywhere (message,
 * URL, schema, `_meta` keys, after NFKC normalisation and case folding, invisible characters
 * removed) or points into the operator's approval page is refused.
 *
 * @module
 */
import type { McpDenialData } from './denial.js';
import { isRecord } from './messages.js';

/** `_meta` key naming who asks: Warden itself, or an upstream. */
export const ORIGIN_META_KEY = 'io.warden/origin';

/** The mark on Warden's own approval prompts. */
export const WARDEN_ORIGIN: Readonly<{ source: 'warden' }> = Object.freeze({ source: 'warden' });

/** What a relayed upstream request became: params to send on, or why it is refused. */
export type ScreenedRequest = { params: unknown } | { refusal: McpDenialData };

const INVISIBLE = /[\p{Cf}\p{Cc}\p{M}\s]/gu;

/**
 * Letters of other scripts drawn like Latin ones (Unicode's confusables, the common part), each
 * with the Latin letter it passes for, case by case: uppercase Greek `Ν` reads as `N`, its
 * lowercase `ν` as `v`. Cyrillic, Greek, Armenian, and Latin small capitals (which NFKC keeps).
 */
const LOOK_ALIKE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic
  ['аАɑ', 'a'],
  ['ВЬьвʙ', 'b'],
  ['сСϲϹ', 'c'],
  ['ԁԀ', 'd'],
  ['еЕёЁ', 'e'],
  ['һҺ', 'h'],
  ['іІӀӏ', 'i'],
  ['јЈ', 'j'],
  ['КкΚκ', 'k'],
  ['М', 'm'],
  ['НΗ', 'h'],
  ['оОοΟσՕօ', 'o'],
  ['рРρΡ', 'p'],
  ['ԛԚ', 'q'],
  ['ѕЅ', 's'],
  ['ТтΤτ', 't'],
  ['уУγ', 'y'],
  ['хХχΧ', 'x'],
  ['ԝԜѡωɯ', 'w'],
  ['г', 'r'],
  ['п', 'n'],
  // Greek
  ['αΑ', 'a'],
  ['Ββϐ', 'b'],
  ['Εεϵ', 'e'],
  ['Ζ', 'z'],
  ['ΙιΪϊ', 'i'],
  ['Μ', 'm'],
  ['Νη', 'n'],
  ['ν', 'v'],
  ['υΥϒ', 'u'],
  // Armenian
  ['ոռ', 'n'],
  ['ս', 'u'],
  ['հ', 'h'],
  ['ց', 'g'],
  ['զ', 'q'],
  // Latin small capitals and the like
  ['ᴀ', 'a'],
  ['ᴄ', 'c'],
  ['ᴅ', 'd'],
  ['ᴇ', 'e'],
  ['ɢ', 'g'],
  ['ʜ', 'h'],
  ['ɪı', 'i'],
  ['ᴊ', 'j'],
  ['ᴋ', 'k'],
  ['ʟ', 'l'],
  ['ᴍ', 'm'],
  ['ɴ', 'n'],
  ['ᴏ', 'o'],
  ['ᴘ', 'p'],
  ['ʀ', 'r'],
  ['ꜱ', 's'],
  ['ᴛ', 't'],
  ['ᴜ', 'u'],
  ['ᴠ', 'v'],
  ['ᴡ', 'w'],
  ['ʏ', 'y'],
  ['ᴢ', 'z'],
];

const LOOK_ALIKES: ReadonlyMap<string, string> = new Map(
  LOOK_ALIKE_PAIRS.flatMap(([letters, latin]) => [...letters].map((letter) => [letter, latin] as const)),
);
const LOOK_ALIKE = new RegExp(`[${[...LOOK_ALIKES.keys()].join('')}]`, 'gu');

/**
 * `text` as a reader would compare it: NFKC (fullwidth and other compatibility forms), letters of
 * other scripts that pass for Latin ones replaced by them (`wаrden` with a Cyrillic `а`, `ԝarden`,
 * `ᴡᴀʀᴅᴇɴ`), case-folded, accents taken off (`wárden`), without invisible, combining or space
 * characters, and `vv` and `cl` read as the `w` and `d` they pass for.
 */
function folded(text: string): string {
  return (
    text
      .normalize('NFKC')
      .replace(LOOK_ALIKE, (letter) => LOOK_ALIKES.get(letter) ?? letter)
      .toLowerCase()
      .normalize('NFKD')
      .replace(INVISIBLE, '')
      // Pairs of Latin letters drawn like one: `vvarden`, `warclen`.
      .replaceAll('vv', 'w')
      .replaceAll('cl', 'd')
  );
}

/** True when any string (or key) in `value` names Warden or points into the approval page. Iterative. */
function imitatesWarden(value: unknown, approvalsUrlPrefix: string | undefined): boolean {
  const pending: unknown[] = [value];
  const inspect = (text: string) =>
    folded(text).includes('warden') ||
    (approvalsUrlPrefix !== undefined && folded(text).startsWith(approvalsUrlPrefix));
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (inspect(item)) return true;
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    for (const [key, child] of Object.entries(item)) {
      if (inspect(key)) return true;
      pending.push(child);
    }
  }
  return false;
}

/**
 * Screens one request an upstream sends the client. `elicitation/create` is attributed to the
 * upstream (message prefix and `_meta["io.warden/origin"]`) or refused when it imitates Warden;
 * other requests pass unchanged. `approvalsUrl` is the configured operator page (`{id}` template).
 */
export function screenUpstreamRequest(
  upstream: string,
  method: string,
  params: unknown,
  approvalsUrl: string | undefined,
): ScreenedRequest {
  if (method !== 'elicitation/create') return { params };
  if (!isRecord(params)) return { refusal: { code: 'INVALID_REQUEST', reason: 'elicitation/create needs params' } };
  const prefix = approvalsUrl === undefined ? undefined : folded(approvalsUrl.split('{id}')[0] ?? approvalsUrl);
  if (imitatesWarden(params, prefix === '' ? undefined : prefix))
    return {
      refusal: {
        code: 'METHOD_NOT_ALLOWED',
        reason: "an upstream's elicitation may not present itself as Warden's (it names Warden or its approval page)",
      },
    };
  const meta = isRecord(params._meta) ? params._meta : {};
  const message = typeof params.message === 'string' ? params.message : '';
  return {
    params: {
      ...params,
      message: `[asked by the MCP server "${upstream}", not by Warden] ${message}`,
      _meta: { ...meta, [ORIGIN_META_KEY]: { source: 'upstream', upstream } },
    },
  };
}

/**
 * A result (2026-07-28 `input_required`) carrying `inputRequests`: each elicitation in it screened
 * as if the upstream had sent it, or the refusal of the first that imitates Warden.
 */
export function screenInputRequests(
  upstream: string,
  result: unknown,
  approvalsUrl: string | undefined,
): { result: unknown } | { refusal: McpDenialData } {
  if (!isRecord(result) || !isRecord(result.inputRequests)) return { result };
  const inputRequests: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(result.inputRequests)) {
    if (folded(key).includes('warden'))
      return {
        refusal: { code: 'METHOD_NOT_ALLOWED', reason: "an upstream's input request may not be named as Warden's" },
      };
    if (!isRecord(request) || typeof request.method !== 'string') {
      inputRequests[key] = request;
      continue;
    }
    const screened = screenUpstreamRequest(upstream, request.method, request.params, approvalsUrl);
    if ('refusal' in screened) return screened;
    inputRequests[key] = { ...request, params: screened.params };
  }
  return { result: { ...result, inputRequests } };
}

/** JSON-RPC error code of MCP's `UrlElicitationRequiredError`, whose `data.elicitations` the client shows. */
const URL_ELICITATION_REQUIRED = -32042;

/**
 * An error answer carrying URL elicitations (`-32042`, `data.elicitations`): each screened as if
 * the upstream had sent it as a request, or the refusal of the first that imitates Warden.
 */
export function screenErrorElicitations(
  upstream: string,
  error: unknown,
  approvalsUrl: string | undefined,
): { error: unknown } | { refusal: McpDenialData } {
  if (!isRecord(error) || error.code !== URL_ELICITATION_REQUIRED) return { error };
  if (!isRecord(error.data) || !Array.isArray(error.data.elicitations)) return { error };
  const elicitations: unknown[] = [];
  for (const elicitation of error.data.elicitations) {
    const screened = screenUpstreamRequest(upstream, 'elicitation/create', elicitation, approvalsUrl);
    if ('refusal' in screened) return screened;
    elicitations.push(screened.params);
  }
  const message = typeof error.message === 'string' ? error.message : '';
  if (folded(message).includes('warden'))
    return {
      refusal: { code: 'METHOD_NOT_ALLOWED', reason: "an upstream's error may not present itself as Warden's" },
    };
  return { error: { ...error, data: { ...error.data, elicitations } } };
}

/** `_meta` key of the tool-error result Warden gives for a tool the upstream does not offer. */
export const DENIAL_META_KEY = 'io.warden/denial';

/**
 * Why an upstream's answer may not reach the client, or `undefined`: it carries the mark of a
 * Warden denial, `error.data.warden` (or a `data` key that reads as `warden`) or a result's
 * `_meta["io.warden/denial"]`. A client trusting that mark would otherwise take the upstream's
 * "Warden holds this call, approve it at <url>" for Warden's own and follow its link.
 */
export function imitatedDenial(outcome: { result: unknown } | { error: unknown }): McpDenialData | undefined {
  const marked =
    'error' in outcome
      ? isRecord(outcome.error) &&
        isRecord(outcome.error.data) &&
        Object.keys(outcome.error.data).some((key) => folded(key) === 'warden')
      : isRecord(outcome.result) &&
        isRecord(outcome.result._meta) &&
        Object.hasOwn(outcome.result._meta, DENIAL_META_KEY);
  if (!marked) return undefined;
  return {
    code: 'UPSTREAM_UNAVAILABLE',
    reason: "the upstream's answer carries the mark of a Warden denial, which only Warden may give",
  };
}
