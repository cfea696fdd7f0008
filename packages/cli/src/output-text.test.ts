import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeOutput } from './output-text.js';
import { run } from './run.js';

const DISGUISES: readonly [string, string][] = [
  ['a combining long stroke overlay (strikes a name through)', '\u0336'],
  ['a combining enclosing circle', '\u20dd'],
  ['a combining acute accent', '\u0301'],
  ['variation selector 16', '\ufe0f'],
  ['a supplementary variation selector', '\u{e0101}'],
  ['a no-break space', '\u00a0'],
  ['an en quad', '\u2000'],
  ['a narrow no-break space', '\u202f'],
  ['an ideographic space', '\u3000'],
  ['the braille blank', '\u2800'],
];

describe('escapeOutput(text) (attacker: whoever writes a name, id or reason the command prints)', () => {
  it.each(DISGUISES)('escapes %s visibly as \\uXXXX', (_what, character) => {
    const escaped = escapeOutput(`alice${character}`);
    expect(escaped).toMatch(/^alice(\\u[0-9a-f]{4})+$/);
    expect(escaped).not.toBe('alice');
  });

  it('keeps plain spaces, tabs, line feeds and precomposed letters; escapes controls as core does', () => {
    expect(escapeOutput('José\tbob  x\ny')).toBe('José\tbob  x\ny');
    expect(escapeOutput('a\u001b[2Jb\u202e')).toBe('a\\u001b[2Jb\\u202e');
  });

  it('leaves JSON output parsing to the same value', () => {
    const value = { requester: `bob${DISGUISES.map(([, character]) => character).join('')}`, note: 'é' };
    const printed = escapeOutput(JSON.stringify(value, null, 2));
    expect(printed).not.toMatch(/[\p{Mn}\u00a0\u3000]/u);
    expect(JSON.parse(printed)).toEqual(value);
  });
});

describe('warden prints names from a file with their disguises escaped', () => {
  it('policy lint names a session "lo\\u0336cked\\u00a0" (struck through, a trailing blank) with both escaped, text and JSON', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-cli-')), 'security.json');
    writeFileSync(file, JSON.stringify({ version: 1, sessions: { 'lo\u0336cked\u00a0': { access: [] } } }));
    const lines: string[] = [];
    for (const json of [[], ['--json']]) {
      const code = await run(['policy', 'lint', file, ...json], { out: (line) => lines.push(line), err: () => {} }, {});
      expect(code).toBe(1);
    }
    const output = lines.join('\n');
    expect(output).toContain('sessions.lo\\u0336cked\\u00a0');
    expect(output).not.toMatch(/[\u0336\u00a0]/);
  });
});
