import { describe, expect, it } from 'vitest';
import {
  hasBidiControls,
  hasBidiOverrides,
  hasControlCharacters,
  isPlainLine,
  isWellFormedText,
  ownProperty,
  withoutBidiOverrides,
  withoutControlCharacters,
} from './validation.js';

describe('hasControlCharacters(text) and withoutControlCharacters(text)', () => {
  const hostile = ['a\u0000b', 'a\tb', 'a\nb', 'a\u001b[2Kb', 'a\u007fb', 'a\u009b31mb', 'a\u2028b', 'a\u2029b'];

  it('find and remove C0, DEL and C1 controls and the line and paragraph separators', () => {
    for (const text of hostile) {
      expect(hasControlCharacters(text)).toBe(true);
      expect(hasControlCharacters(withoutControlCharacters(text))).toBe(false);
    }
    expect(withoutControlCharacters('bob\u001b[2K\u009bsam\u2028')).toBe('bob[2Ksam');
  });

  it('leave spaces, accents, other scripts, emoji and format characters alone', () => {
    for (const text of ['José María', '李小龙', 'Zoë Ångström 🙂', 'mallory\u202e\u200bgnp']) {
      expect(hasControlCharacters(text)).toBe(false);
      expect(withoutControlCharacters(text)).toBe(text);
    }
  });
});

describe('hasBidiControls(text)', () => {
  it('finds the embeddings, overrides, isolates and directional marks, and nothing else', () => {
    for (const text of ['a\u202eb', 'a\u202ab', 'a\u2066b', 'a\u2069b', 'a\u200eb', 'a\u200fb', 'a\u061cb']) {
      expect(hasBidiControls(text)).toBe(true);
    }
    for (const text of ['José María', '李小龙', 'שלום', 'Zoë 🙂', 'a\u200bb'])
      expect(hasBidiControls(text)).toBe(false);
  });
});

describe('isPlainLine(text)', () => {
  it('refuses exactly what hasControlCharacters or hasBidiControls finds', () => {
    for (const text of ['a\nb', 'a\u001b[2K', 'a\u2028', 'a\u202e', 'a\u2066']) expect(isPlainLine(text)).toBe(false);
    for (const text of ['incident détecté 🚨', 'שלום', 'a\u200bb']) expect(isPlainLine(text)).toBe(true);
  });
});

describe('isWellFormedText(text)', () => {
  it('refuses a lone high or low surrogate anywhere, and keeps whole characters beyond U+FFFF', () => {
    const emoji = '🚨';
    for (const text of ['\ud800', 'a\udc00', `${emoji.slice(0, 1)}tail`, `head${emoji.slice(1)}`, '\udc00\ud800']) {
      expect(isWellFormedText(text)).toBe(false);
    }
    for (const text of ['', 'plain', emoji, '𝒜𝒷𝒸', 'a\ufffdb']) expect(isWellFormedText(text)).toBe(true);
  });
});

describe('ownProperty(value, key)', () => {
  it('reads what the object holds itself, never what its prototype chain offers', () => {
    const inherited = Object.create({ score: 9 }) as object;
    expect(ownProperty(inherited, 'score')).toBeUndefined();
    expect(ownProperty(JSON.parse('{"__proto__": {"score": 9}}'), 'score')).toBeUndefined();
    expect(ownProperty({}, 'toString')).toBeUndefined();
    expect(ownProperty({ score: 0 }, 'score')).toBe(0);
    expect(ownProperty(Object.assign(Object.create(null), { score: 4 }), 'score')).toBe(4);
  });

  it('gives undefined for anything that is not an object', () => {
    for (const value of [undefined, null, 1, 'score', true]) expect(ownProperty(value, 'length')).toBeUndefined();
  });
});

describe('hasBidiOverrides(text) and withoutBidiOverrides(text)', () => {
  it('find and remove every embedding, override and isolate a forged name hides behind', () => {
    const forged = [
      'p2p:\u202eecila',
      'bob\u202dsam',
      '\u2067ecila\u2069',
      'bob\u202asam\u202c',
      'a\u202bb\u2066c\u2068',
    ];
    for (const name of forged) {
      expect(hasBidiOverrides(name)).toBe(true);
      expect(hasBidiOverrides(withoutBidiOverrides(name))).toBe(false);
    }
    expect(withoutBidiOverrides('p2p:\u202eecila\u202c')).toBe('p2p:ecila');
  });

  it('leave the directional marks a right-to-left name carries', () => {
    const name = '\u05d3\u05e0\u05d4\u200f \u200e\u061c';
    expect(hasBidiOverrides(name)).toBe(false);
    expect(withoutBidiOverrides(name)).toBe(name);
  });

  it('give the same answer when called again (no state kept between calls)', () => {
    expect([hasBidiOverrides('a\u202eb'), hasBidiOverrides('a\u202eb')]).toEqual([true, true]);
    expect([withoutBidiOverrides('a\u202eb'), withoutBidiOverrides('a\u202eb')]).toEqual(['ab', 'ab']);
  });
});
