/**
 * Glob matching for tool names and session names: `*` matches any run of characters, `?` one
 * character, everything else itself. A character is a code point, not a UTF-16 unit: `?` matches
 * an emoji or U+1D400 whole, and neither `*` nor a literal ever splits a surrogate pair. No regular expressions, so a hostile pattern or name
 * cannot trigger catastrophic back-tracking: a match costs at most O(pattern × name).
 *
 * @module
 */

/** True when `pattern` contains `*` or `?`. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * True when `name` matches `pattern`. Greedy matching that remembers only the last `*`, so
 * each character of `name` is revisited at most once per `*`.
 */
export function matchGlob(pattern: string, name: string): boolean {
  let patternIndex = 0;
  let nameIndex = 0;
  let starIndex = -1;
  let resumeIndex = 0;
  while (nameIndex < name.length) {
    const token = pattern[patternIndex];
    if (token === '*') {
      starIndex = patternIndex;
      resumeIndex = nameIndex;
      patternIndex += 1;
    } else if (token === '?') {
      patternIndex += 1;
      nameIndex += characterWidth(name, nameIndex);
    } else if (token !== undefined && sameCharacter(pattern, patternIndex, name, nameIndex)) {
      const width = characterWidth(name, nameIndex);
      patternIndex += width;
      nameIndex += width;
    } else if (starIndex >= 0) {
      patternIndex = starIndex + 1;
      resumeIndex += characterWidth(name, resumeIndex);
      nameIndex = resumeIndex;
    } else {
      return false;
    }
  }
  while (pattern[patternIndex] === '*') patternIndex += 1;
  return patternIndex === pattern.length;
}

/**
 * How many UTF-16 code units the character at `index` takes: 2 for a surrogate pair (an emoji, a
 * character beyond U+FFFF), else 1. `?` matches a whole character, so a deny pattern `tool-?`
 * covers `tool-😀` as it covers `tool-a`, and `*` never resumes between a pair's two halves.
 */
function characterWidth(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit < 0xd800 || unit > 0xdbff) return 1;
  const next = text.charCodeAt(index + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/**
 * True when the whole character at `patternIndex` is the whole character at `nameIndex`. Compared
 * by code point, not by UTF-16 unit: a pattern holding a lone high surrogate (half of U+1D400)
 * must not match the first half of a pair and let `*` take the other half.
 */
function sameCharacter(pattern: string, patternIndex: number, name: string, nameIndex: number): boolean {
  const width = characterWidth(name, nameIndex);
  if (characterWidth(pattern, patternIndex) !== width) return false;
  for (let offset = 0; offset < width; offset++) {
    if (pattern.charCodeAt(patternIndex + offset) !== name.charCodeAt(nameIndex + offset)) return false;
  }
  return true;
}

/** A list of names and globs compiled for repeated matching. */
export interface GlobList {
  /** The patterns as given. */
  readonly patterns: readonly string[];
  /** The first pattern matching `name`, or `undefined`. */
  firstMatch(name: string): string | undefined;
  /** True when some pattern matches `name`. */
  matches(name: string): boolean;
}

/** Compiles patterns: exact names go into a set, globs are tried in order. */
export function compileGlobList(patterns: readonly string[]): GlobList {
  const exact = new Set<string>();
  const globs: string[] = [];
  for (const pattern of patterns) {
    if (isGlob(pattern)) globs.push(pattern);
    else exact.add(pattern);
  }
  const matchesAll = globs.includes('*');
  const firstMatch = (name: string): string | undefined => {
    if (exact.has(name)) return name;
    if (matchesAll) return '*';
    for (const glob of globs) if (matchGlob(glob, name)) return glob;
    return undefined;
  };
  return {
    patterns: Object.freeze([...patterns]),
    firstMatch,
    matches: (name) => firstMatch(name) !== undefined,
  };
}
