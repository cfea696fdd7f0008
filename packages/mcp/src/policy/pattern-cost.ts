/**
 * How much a schema `pattern` may cost JavaScript's backtracking regular expression engine. An
 * upstream declares the patterns and a caller (or the model) writes the strings, so a pattern such
 * as `^(a+)+$` and the argument `aaaa…a!` could hold the event loop for minutes.
 *
 * The rule, in two parts:
 *
 * 1. **Refused outright** (the tool is hidden and refused): backreferences; a group repeated
 *    without bound (`*`, `+`, `{n,}`) whose body can match one text in more than one way — one
 *    holding a quantifier, an alternation or a lookaround (`(a+)+`, `(a|aa)*`, `(\w+\s?)*`) —
 *    unless the body is one character class repeated between fixed characters it cannot match,
 *    such as `(?:-[a-z0-9]+)*` or `([a-z0-9]+\.)+` (each repetition then starts or ends at a
 *    character only the delimiter matches); group nesting deeper than {@link MAX_GROUP_DEPTH};
 *    group syntax it does not know; and any pattern whose estimate (below) for a 32-character
 *    string already exceeds the budget (`(.*a){20}`, `(a?){30}`, `(a|a)(a|a)…` forty times, or
 *    four `.*` in a row, unanchored).
 * 2. **Bounded by length**: every other pattern gets an estimate of the steps it may take on a
 *    string of length n — each quantifier that repeats (`*`, `+`, `{n,m}`) multiplies it by the
 *    number of lengths it can take (n + 1 when unbounded), alternatives add, and one more factor
 *    n + 1 applies when the pattern is not anchored with `^` (the engine tries every start), and
 *    the whole is multiplied by the number of the pattern's parts (each path visits them). A
 *    quantified character class followed by a mandatory character it cannot match (`\d+\.`,
 *    `[^@]+@`) adds its factor instead of multiplying, as the engine never backtracks past that
 *    character. The strings one call's arguments test against patterns may spend at most
 *    {@link PATTERN_STEP_BUDGET} estimated steps together; a string past what is left is refused
 *    (the call fails its schema). `^[a-z0-9-]+$` can be tested on millions of characters,
 *    `^[a-z0-9]+(?:-[a-z0-9]+)*$` on about 1,300, an unanchored `.*.*=` on about 190.
 *
 * @module
 */

/** Estimated steps that one call's pattern tests may spend together (tens of milliseconds at worst). */
export const PATTERN_STEP_BUDGET = 20_000_000;

/** Deepest group nesting analysed; deeper patterns are refused. */
const MAX_GROUP_DEPTH = 32;

/** The length at which a pattern's estimate must fit the budget for it to be run at all. */
const SHORTEST_USEFUL_LENGTH = 32;

/** Characters one position may match: the ASCII ones exactly, anything beyond as one flag. */
interface CharSet {
  ascii: boolean[];
  beyondAscii: boolean;
}

type PatternNode =
  | { kind: 'char'; set: CharSet }
  | { kind: 'assertion'; startAnchor: boolean }
  | { kind: 'lookaround'; body: Alternation }
  | { kind: 'group'; body: Alternation };

interface Term {
  node: PatternNode;
  min: number;
  max: number;
}

type Sequence = Term[];
type Alternation = Sequence[];

/** Why a pattern is refused. */
export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
}

/** What {@link assessPattern} found. */
export interface PatternAssessment {
  /** Estimated steps to test a string of `length` characters (`Infinity` when unbounded). */
  cost(length: number): number;
}

const charSet = (predicate: (code: number) => boolean, beyondAscii: boolean): CharSet => ({
  ascii: Array.from({ length: 128 }, (_, code) => predicate(code)),
  beyondAscii,
});
const single = (code: number): CharSet => charSet((other) => other === code, code >= 128);
const complement = (set: CharSet): CharSet => ({ ascii: set.ascii.map((member) => !member), beyondAscii: true });
const union = (sets: CharSet[]): CharSet => ({
  ascii: Array.from({ length: 128 }, (_, code) => sets.some((set) => set.ascii[code])),
  beyondAscii: sets.some((set) => set.beyondAscii),
});
const disjoint = (left: CharSet, right: CharSet): boolean =>
  !(left.beyondAscii && right.beyondAscii) && !left.ascii.some((member, code) => member && right.ascii[code]);

const isDigit = (code: number) => code >= 48 && code <= 57;
const isWord = (code: number) =>
  isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
const isSpace = (code: number) => (code >= 9 && code <= 13) || code === 32;
const DIGITS = charSet(isDigit, false);
const WORD = charSet(isWord, false);
const SPACE = charSet(isSpace, true);
const ANY = charSet(() => true, true);
const DOT = charSet((code) => code !== 10 && code !== 13, true);

const SIMPLE_ESCAPES: Record<string, number> = { f: 12, n: 10, r: 13, t: 9, v: 11, '0': 0 };

/** A recursive-descent reader of one pattern (Unicode mode, as Ajv compiles them). */
class PatternReader {
  private index = 0;

  constructor(private readonly source: string) {}

  read(): Alternation {
    const alternation = this.alternation(0);
    if (this.index < this.source.length) throw new UnsafePatternError('unbalanced parenthesis');
    return alternation;
  }

  private peek(offset = 0): string | undefined {
    return this.source[this.index + offset];
  }

  private alternation(depth: number): Alternation {
    const branches: Alternation = [this.sequence(depth)];
    while (this.peek() === '|') {
      this.index += 1;
      branches.push(this.sequence(depth));
    }
    return branches;
  }

  private sequence(depth: number): Sequence {
    const terms: Sequence = [];
    while (this.index < this.source.length && this.peek() !== '|' && this.peek() !== ')') {
      const node = this.atom(depth);
      terms.push({ node, ...this.quantifier() });
    }
    return terms;
  }

  private quantifier(): { min: number; max: number } {
    const next = this.peek();
    let bounds = { min: 1, max: 1 };
    if (next === '*') bounds = { min: 0, max: Number.POSITIVE_INFINITY };
    else if (next === '+') bounds = { min: 1, max: Number.POSITIVE_INFINITY };
    else if (next === '?') bounds = { min: 0, max: 1 };
    else if (next === '{') {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.index));
      if (match === null) return bounds;
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
      this.index += match[0].length;
      if (this.peek() === '?') this.index += 1;
      return { min, max };
    } else return bounds;
    this.index += 1;
    if (this.peek() === '?') this.index += 1;
    return bounds;
  }

  private atom(depth: number): PatternNode {
    const character = this.peek() ?? '';
    if (character === '^' || character === '$') {
      this.index += 1;
      return { kind: 'assertion', startAnchor: character === '^' };
    }
    if (character === '.') {
      this.index += 1;
      return { kind: 'char', set: DOT };
    }
    if (character === '[') return { kind: 'char', set: this.characterClass() };
    if (character === '(') return this.group(depth);
    if (character === '\\') return this.escape();
    const code = this.source.codePointAt(this.index) ?? 0;
    this.index += code > 0xffff ? 2 : 1;
    return { kind: 'char', set: single(code) };
  }

  private group(depth: number): PatternNode {
    if (depth >= MAX_GROUP_DEPTH) throw new UnsafePatternError(`groups nested more than ${MAX_GROUP_DEPTH} deep`);
    const rest = this.source.slice(this.index);
    let kind: 'group' | 'lookaround' = 'group';
    if (rest.startsWith('(?:')) this.index += 3;
    else if (rest.startsWith('(?=') || rest.startsWith('(?!')) {
      kind = 'lookaround';
      this.index += 3;
    } else if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      kind = 'lookaround';
      this.index += 4;
    } else if (rest.startsWith('(?<')) {
      const end = rest.indexOf('>');
      if (end < 0) throw new UnsafePatternError('unterminated group name');
      this.index += end + 1;
    } else if (rest.startsWith('(?')) throw new UnsafePatternError('a group syntax Warden does not analyse');
    else this.index += 1;
    const body = this.alternation(depth + 1);
    if (this.peek() !== ')') throw new UnsafePatternError('unbalanced parenthesis');
    this.index += 1;
    return { kind, body };
  }

  /** An escape outside a class: a character, a class shorthand, an assertion or a backreference. */
  private escape(): PatternNode {
    const letter = this.peek(1) ?? '';
    if (letter === 'b' || letter === 'B') {
      this.index += 2;
      return { kind: 'assertion', startAnchor: false };
    }
    if (/[1-9]/.test(letter) || letter === 'k')
      throw new UnsafePatternError('a backreference (matching it can take exponential time)');
    return { kind: 'char', set: this.escapedSet(false) };
  }

  /** The set of an escape at the current `\`, inside a class (`\b` is a backspace there) or outside. */
  private escapedSet(inClass: boolean): CharSet {
    const letter = this.peek(1) ?? '';
    this.index += 2;
    switch (letter) {
      case 'd':
        return DIGITS;
      case 'D':
        return complement(DIGITS);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'p':
      case 'P': {
        const end = this.source.indexOf('}', this.index);
        if (this.peek() === '{' && end > 0) this.index = end + 1;
        return ANY;
      }
      case 'u': {
        const braced = /^\{([0-9a-fA-F]+)\}/.exec(this.source.slice(this.index));
        if (braced !== null) {
          this.index += braced[0].length;
          return single(Number.parseInt(braced[1] ?? '0', 16));
        }
        const hex = /^[0-9a-fA-F]{4}/.exec(this.source.slice(this.index));
        if (hex === null) return ANY;
        this.index += 4;
        // A surrogate pair written as two escapes reads as two characters beyond ASCII here.
        return single(Number.parseInt(hex[0], 16));
      }
      case 'x': {
        const hex = /^[0-9a-fA-F]{2}/.exec(this.source.slice(this.index));
        if (hex === null) return ANY;
        this.index += 2;
        return single(Number.parseInt(hex[0], 16));
      }
      case 'c': {
        const control = this.source.charCodeAt(this.index);
        this.index += 1;
        return single(control % 32);
      }
      case 'b':
        return inClass ? single(8) : ANY;
      default: {
        if (letter in SIMPLE_ESCAPES) return single(SIMPLE_ESCAPES[letter] ?? 0);
        const code = letter.codePointAt(0) ?? 0;
        if (code > 0xffff) this.index += 1;
        return single(code);
      }
    }
  }

  private characterClass(): CharSet {
    this.index += 1;
    const negated = this.peek() === '^';
    if (negated) this.index += 1;
    const members: CharSet[] = [];
    const member = (): { set: CharSet; code?: number } => {
      if (this.peek() === '\\') {
        const start = this.index;
        const set = this.escapedSet(true);
        const letter = this.source[start + 1] ?? '';
        return /[dDwWsSpP]/.test(letter) ? { set } : { set, code: set.ascii.indexOf(true) };
      }
      const code = this.source.codePointAt(this.index) ?? 0;
      this.index += code > 0xffff ? 2 : 1;
      return { set: single(code), code };
    };
    while (this.index < this.source.length && this.peek() !== ']') {
      const first = member();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined && first.code !== undefined) {
        this.index += 1;
        const last = member();
        const low = first.code < 0 ? 128 : first.code;
        const high = last.code === undefined || last.code < 0 ? Number.POSITIVE_INFINITY : last.code;
        members.push(charSet((code) => code >= low && code <= high, high >= 128 || first.set.beyondAscii));
        continue;
      }
      members.push(first.set);
    }
    if (this.peek() !== ']') throw new UnsafePatternError('unterminated character class');
    this.index += 1;
    const set = union(members);
    return negated ? complement(set) : set;
  }
}

/** True when the body matches one fixed text shape: no alternation, no quantifier that varies, no lookaround. */
function isRigid(body: Alternation): boolean {
  if (body.length !== 1) return false;
  return (body[0] ?? []).every(
    (term) =>
      term.min === term.max &&
      (term.node.kind === 'char' ||
        term.node.kind === 'assertion' ||
        (term.node.kind === 'group' && isRigid(term.node.body))),
  );
}

/**
 * True when the body is characters only, exactly one of them repeated a varying number of times,
 * and starts or ends with a character matched once that the repeated one cannot match: each
 * repetition then begins (or ends) where only that delimiter matches, one way only.
 */
function isDelimited(body: Alternation): boolean {
  if (body.length !== 1) return false;
  const terms = body[0] ?? [];
  if (!terms.every((term) => term.node.kind === 'char')) return false;
  const varying = terms.filter((term) => term.min !== term.max);
  if (varying.length !== 1) return false;
  const repeated = (varying[0] as Term).node as { set: CharSet };
  return [terms[0], terms[terms.length - 1]].some(
    (edge) =>
      edge !== undefined &&
      edge.min === 1 &&
      edge.max === 1 &&
      disjoint((edge.node as { set: CharSet }).set, repeated.set),
  );
}

/** The characters a term must start with, when it must match at least one and they are known. */
function firstSet(term: Term | undefined): CharSet | undefined {
  if (term === undefined || term.min === 0) return undefined;
  if (term.node.kind === 'char') return term.node.set;
  if (term.node.kind !== 'group') return undefined;
  const sets = term.node.body.map((branch) => firstSet(branch[0]));
  return sets.every((set) => set !== undefined) ? union(sets as CharSet[]) : undefined;
}

/** How many lengths a quantifier can take on a string of `length` characters. */
const lengths = (min: number, max: number, length: number) =>
  Math.max(1, (max === Number.POSITIVE_INFINITY ? length : Math.min(max, length)) - min + 1);

/** `paths`: the ways a part can match; `work`: the steps spent on ways that lead nowhere. */
interface Estimate {
  paths: number;
  work: number;
}

function estimateAlternation(alternation: Alternation, length: number): Estimate {
  let paths = 0;
  let work = 0;
  for (const branch of alternation) {
    const estimate = estimateSequence(branch, length);
    paths += estimate.paths;
    work += estimate.work;
  }
  return { paths, work };
}

function estimateSequence(sequence: Sequence, length: number): Estimate {
  let paths = 1;
  let work = 0;
  sequence.forEach((term, index) => {
    const estimate = estimateTerm(term, length);
    const next = firstSet(sequence[index + 1]);
    const forced =
      term.node.kind === 'char' && term.min !== term.max && next !== undefined && disjoint(term.node.set, next);
    if (forced) {
      // The engine gives the repeated class back one character at a time, and each try fails at
      // once on the next character: its lengths add to the work, they do not multiply what follows.
      work += paths * (estimate.paths + estimate.work);
    } else {
      work += paths * estimate.work;
      paths *= estimate.paths;
    }
  });
  return { paths, work };
}

function estimateTerm(term: Term, length: number): Estimate {
  const { node, min, max } = term;
  switch (node.kind) {
    case 'assertion':
      return { paths: 1, work: 0 };
    case 'char':
      return { paths: lengths(min, max, length), work: 0 };
    case 'lookaround': {
      // Atomic: once it matched, the engine does not come back into it.
      const body = estimateAlternation(node.body, length);
      return { paths: 1, work: body.paths + body.work };
    }
    case 'group': {
      const body = estimateAlternation(node.body, length);
      if (max <= 1) return { paths: body.paths + (min === 0 ? 1 : 0), work: body.work };
      const repetitions = lengths(min, max, length);
      if (isRigid(node.body)) return { paths: repetitions, work: repetitions * body.work };
      if (isDelimited(node.body)) return { paths: repetitions, work: length + 1 };
      if (max === Number.POSITIVE_INFINITY) return { paths: Number.POSITIVE_INFINITY, work: 0 };
      const paths = repetitions * body.paths ** max;
      return { paths, work: paths * body.work };
    }
  }
}

/**
 * True when a group repeated without bound has a body that could match one text in more than one
 * way (see the module's rule 1). A bounded repetition is left to the estimate: `(a|b){2}` is cheap,
 * `(a?){30}` is not.
 */
function hasAmbiguousRepetition(alternation: Alternation): boolean {
  return alternation.some((branch) =>
    branch.some((term) => {
      if (term.node.kind === 'char' || term.node.kind === 'assertion') return false;
      if (
        term.node.kind === 'group' &&
        term.max === Number.POSITIVE_INFINITY &&
        !isRigid(term.node.body) &&
        !isDelimited(term.node.body)
      )
        return true;
      return hasAmbiguousRepetition(term.node.body);
    }),
  );
}

function countTerms(alternation: Alternation): number {
  let count = 0;
  for (const branch of alternation)
    for (const term of branch) {
      count += 1;
      if (term.node.kind === 'group' || term.node.kind === 'lookaround') count += countTerms(term.node.body);
    }
  return count;
}

const assessments = new Map<string, PatternAssessment | UnsafePatternError>();
const MAX_REMEMBERED_PATTERNS = 4096;

/**
 * Assesses one pattern under the module's rule. Remembers the last {@link MAX_REMEMBERED_PATTERNS}
 * answers (patterns come back with every listing and call).
 *
 * @throws `UnsafePatternError` saying why a pattern is refused (rule 1).
 */
export function assessPattern(pattern: string): PatternAssessment {
  let known = assessments.get(pattern);
  if (known === undefined) {
    try {
      known = assessFresh(pattern);
    } catch (error) {
      known = error instanceof UnsafePatternError ? error : new UnsafePatternError('the pattern cannot be read');
    }
    if (assessments.size >= MAX_REMEMBERED_PATTERNS) assessments.clear();
    assessments.set(pattern, known);
  }
  if (known instanceof UnsafePatternError) throw known;
  return known;
}

function assessFresh(pattern: string): PatternAssessment {
  const tree = new PatternReader(pattern).read();
  if (hasAmbiguousRepetition(tree))
    throw new UnsafePatternError(
      'a repeated group whose body can match the same text in more than one way (a quantifier or an alternation inside it): it can backtrack exponentially',
    );
  const anchored = tree.every((branch) => branch[0]?.node.kind === 'assertion' && branch[0].node.startAnchor);
  const size = Math.max(1, countTerms(tree));
  const cost = (length: number) => {
    const estimate = estimateAlternation(tree, length);
    return (anchored ? 1 : length + 1) * (estimate.paths + estimate.work) * size;
  };
  if (!(cost(SHORTEST_USEFUL_LENGTH) <= PATTERN_STEP_BUDGET))
    throw new UnsafePatternError(
      `quantifiers or alternatives that backtrack over each other: even a ${SHORTEST_USEFUL_LENGTH}-character string could take more than ${PATTERN_STEP_BUDGET} steps`,
    );
  return { cost };
}
