import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './run.js';

/** Characters that hide or disguise a name; core's `escapeTerminalBlock` escapes each. */
const DISGUISES: readonly [string, string][] = [
  ['a combining long stroke overlay (strikes a name through)', '\u0336'],
  ['a combining enclosing circle', '\u20dd'],
  ['variation selector 16', '\ufe0f'],
  ['a supplementary variation selector', '\u{e0101}'],
  ['a no-break space', '\u00a0'],
  ['an ideographic space', '\u3000'],
  ['the braille blank', '\u2800'],
  ['the Khitan small script filler', '\u{16fe4}'],
  ['the musical symbol null notehead', '\u{1d159}'],
];

/** A policy file whose one session is named `name` and has no access list that lint accepts. */
function policyFileNaming(name: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'warden-cli-')), 'security.json');
  writeFileSync(file, JSON.stringify({ version: 1, sessions: { [name]: { access: [] } } }));
  return file;
}

/** Everything `warden policy lint` prints for `file`, in text and in `--json`. */
async function lintOutput(file: string): Promise<string> {
  const lines: string[] = [];
  for (const json of [[], ['--json']]) {
    const code = await run(['policy', 'lint', file, ...json], { out: (line) => lines.push(line), err: () => {} }, {});
    expect(code).toBe(1);
  }
  return lines.join('\n');
}

describe('warden prints names from a file with their disguises escaped (attacker: whoever writes the policy file)', () => {
  it('policy lint names a session "lo\\u0336cked\\u00a0" (struck through, a trailing blank) with both escaped, text and JSON', async () => {
    const output = await lintOutput(policyFileNaming('lo\u0336cked\u00a0'));
    expect(output).toContain('sessions.lo\\u0336cked\\u00a0');
    expect(output).not.toMatch(/[\u0336\u00a0]/);
  });

  it.each(DISGUISES)('policy lint prints %s in a session name as a visible escape', async (_what, character) => {
    const output = await lintOutput(policyFileNaming(`locked${character}`));
    expect(output).not.toContain(character);
    expect(output).toMatch(/sessions\.locked(\\u[0-9a-f]{4})+/);
  });
});
