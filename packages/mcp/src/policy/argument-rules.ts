/**
 * Argument rules: path confinement, URL host allow-lists, enumerations, size limits.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArgumentRule } from '../config/config-schema.js';

/** A rule that failed, naming the argument. */
export interface ArgumentViolation {
  /** Dotted path of the argument. */
  argument: string;
  /** Why it was refused. */
  reason: string;
}

const FORMAT_CHARACTERS = /\p{Cf}/gu;

/**
 * An argument name as a lenient server might read it: NFKC-normalised (fullwidth `ｐａｔｈ`, the long
 * `ſ`, ligatures), fully case-folded (`Path`, `PATH`, `ß` as `ss`), without format characters
 * (zero-width space, soft hyphen). Rules match names in this form, so a rule on `recursive` also
 * covers `Recursive` and `ＲＥＣＵＲＳＩＶＥ`.
 */
function foldArgumentName(name: string): string {
  const normalized = name.normalize('NFKC');
  // Plain ASCII lower case (most names) folds to itself.
  if (/^[a-z0-9_$-]*$/.test(normalized)) return normalized;
  return normalized.toUpperCase().toLowerCase().normalize('NFKC').replace(FORMAT_CHARACTERS, '');
}

/**
 * The first name under which two keys of one object in `value` fold to the same
 * ({@link foldArgumentName}), at any depth, or `undefined`: a server might read either, while
 * the rules could check only one.
 */
export function findFoldedDuplicate(value: unknown): string | undefined {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== 'object' || item === null) continue;
    if (Array.isArray(item)) {
      for (const child of item) pending.push(child);
      continue;
    }
    const seen = new Set<string>();
    for (const [key, child] of Object.entries(item)) {
      const folded = foldArgumentName(key);
      if (seen.has(folded)) return key;
      seen.add(folded);
      pending.push(child);
    }
  }
  return undefined;
}

/**
 * Values found at a dotted path (`a.b`, `a.*` for every array item or object member). Each
 * segment matches every key that folds to the same name ({@link foldArgumentName}).
 */
function valuesAt(root: unknown, dottedPath: string): Array<{ path: string; value: unknown }> {
  let current: Array<{ path: string; value: unknown }> = [{ path: '', value: root }];
  for (const segment of dottedPath.split('.')) {
    const foldedSegment = segment === '*' ? segment : foldArgumentName(segment);
    const next: Array<{ path: string; value: unknown }> = [];
    for (const { path: at, value } of current) {
      if (typeof value !== 'object' || value === null) continue;
      const prefix = at === '' ? '' : `${at}.`;
      if (segment === '*') {
        const entries = Array.isArray(value)
          ? value.map((item, index) => [String(index), item] as const)
          : Object.entries(value);
        for (const [key, item] of entries) next.push({ path: `${prefix}${key}`, value: item });
      } else if (Array.isArray(value)) {
        if (Object.hasOwn(value, segment)) next.push({ path: `${prefix}${segment}`, value: value[Number(segment)] });
      } else {
        for (const [key, item] of Object.entries(value))
          if (key === segment || foldArgumentName(key) === foldedSegment)
            next.push({ path: `${prefix}${key}`, value: item });
      }
    }
    current = next;
  }
  return current;
}

/** Checks every rule against the arguments; returns the first violation or `undefined`. */
export function checkArgumentRules(
  rules: Record<string, ArgumentRule>,
  args: Record<string, unknown>,
): ArgumentViolation | undefined {
  for (const [dottedPath, rule] of Object.entries(rules)) {
    if (rule.kind === 'forbidden') {
      const found = valuesAt(args, dottedPath);
      if (found.length > 0) return { argument: found[0]?.path ?? dottedPath, reason: 'must not be given' };
      continue;
    }
    for (const { path: at, value } of valuesAt(args, dottedPath)) {
      const reason = checkValue(rule, value);
      if (reason !== undefined) return { argument: at, reason };
    }
  }
  return undefined;
}

function checkValue(rule: Exclude<ArgumentRule, { kind: 'forbidden' }>, value: unknown): string | undefined {
  switch (rule.kind) {
    case 'path':
      return checkPath(rule.roots, value, rule.allowFileUri ?? true);
    case 'url':
      return checkUrl(rule.hosts, rule.schemes ?? ['https'], value);
    case 'enum':
      return rule.values.some((allowed) => allowed === value) ? undefined : 'is not one of the allowed values';
    case 'size': {
      const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
      return bytes <= rule.maxBytes ? undefined : `is ${bytes} bytes, more than ${rule.maxBytes}`;
    }
  }
}

/**
 * Every way an upstream might read `value` as a path: as written, percent-decoded (once and
 * repeatedly), as a `file:` URI, with `~` expanded. All of them must stay inside a root.
 */
function pathInterpretations(value: string, allowFileUri: boolean): string[] | string {
  const candidates = new Set<string>([value]);
  let decoded = value;
  for (let round = 0; round < 4 && decoded.includes('%'); round += 1) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      return 'has malformed percent-encoding';
    }
    candidates.add(decoded);
  }
  const expanded = new Set<string>();
  for (const candidate of candidates) {
    if (/^file:/i.test(candidate)) {
      if (!allowFileUri) return 'must be a path, not a file: URI';
      try {
        expanded.add(fileURLToPath(candidate));
      } catch {
        return 'is not a valid file: URI';
      }
      continue;
    }
    if (candidate === '~' || candidate.startsWith('~/')) expanded.add(path.join(homedir(), candidate.slice(1)));
    expanded.add(candidate);
  }
  return [...expanded];
}

function checkPath(roots: readonly string[], value: unknown, allowFileUri: boolean): string | undefined {
  if (typeof value !== 'string') return 'must be a string path';
  if (value.includes('\0')) return 'must not contain NUL';
  const interpretations = pathInterpretations(value, allowFileUri);
  if (typeof interpretations === 'string') return interpretations;
  const lexicalRoots = roots.map((root) => path.resolve(root));
  const realRoots = roots.map(realOrResolved);
  const insideAny = (list: readonly string[], target: string) => list.some((root) => isInside(root, target));
  for (const candidate of interpretations) {
    if (!path.isAbsolute(candidate)) return 'must be an absolute path';
    const lexical = path.resolve(candidate);
    if (!insideAny(lexicalRoots, lexical) && !insideAny(realRoots, lexical)) return 'is outside the allowed roots';
    // Symlinks: where the path really leads must be inside a root too, both after the lexical
    // normalisation some servers do first and as the kernel reads the raw string, where `..`
    // after a symlink climbs from the link's target (`root/link/../x` is `<target's parent>/x`).
    if (!insideAny(realRoots, realOrResolved(lexical)) || !insideAny(realRoots, realOrResolved(candidate)))
      return 'is outside the allowed roots (through a symlink)';
  }
  return undefined;
}

function isInside(root: string, target: string): boolean {
  return target === root || target.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * The real path of the absolute `target`, resolving symlinks of its longest existing prefix
 * component by component as the kernel does (no lexical `..` collapsing before the symlinks are
 * followed); the missing rest is appended.
 */
function realOrResolved(target: string): string {
  const resolved = path.resolve(target);
  let existing = target;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realpathSync.native(existing);
      return rest.length === 0 ? real : path.join(real, ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return resolved;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

function checkUrl(hosts: readonly string[], schemes: readonly string[], value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!schemes.includes(scheme)) return `scheme ${scheme} is not allowed`;
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  const written = hostAsWritten(value);
  // The upstream parses the string we forward, not our URL object. Where parsers disagree
  // (`https://allowed.example\@evil.example/` is allowed.example to WHATWG and evil.example to
  // curl and Python; tabs, percent-encoding, IPv4 shorthand, fullwidth letters are all rewritten
  // by WHATWG alone), the host as written must already be the one we check.
  if (written === undefined || written.toLowerCase() !== url.hostname)
    return 'must name its host as scheme://host, in canonical form (ASCII or punycode, no backslash, encoding or whitespace)';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const allowed = hosts.some((pattern) => {
    const lower = pattern.toLowerCase().replace(/\.$/, '');
    return lower.startsWith('*.') ? host.endsWith(lower.slice(1)) : lower === host;
  });
  return allowed ? undefined : `host ${host} is not allowed`;
}

/** The host between `scheme://` and the first `/`, `?` or `#` as written, without a port; `undefined` when absent. */
function hostAsWritten(value: string): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1];
  if (authority === undefined || authority === '') return undefined;
  return authority.replace(/:[0-9]*$/, '');
}
