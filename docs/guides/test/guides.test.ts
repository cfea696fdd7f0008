import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { delegateAndRevoke } from '../examples/delegation.ts';

const guidesDirectory = join(import.meta.dirname, '..');
const guides = readdirSync(guidesDirectory).filter((file) => file.endsWith('.md'));

/** The ```ts blocks of a guide that name the example file they show (`// examples/<file>`). */
function exampleBlocks(markdown: string): Array<{ file: string; code: string }> {
  const blocks = [...markdown.matchAll(/^```ts\n\/\/ (examples\/[\w.-]+)\n([\s\S]*?)^```$/gm)];
  return blocks.map(([, file = '', code = '']) => ({ file, code }));
}

describe.each(guides)('guide %s', (guide) => {
  const markdown = readFileSync(join(guidesDirectory, guide), 'utf8');

  it('has a title for the TypeDoc site', () => {
    expect(markdown).toMatch(/^---\ntitle: .+\n---\n/);
  });

  it('shows each example exactly as the file that is type-checked and run', () => {
    for (const { file, code } of exampleBlocks(markdown)) {
      expect(code, `${guide} shows ${file} differently`).toBe(readFileSync(join(guidesDirectory, file), 'utf8'));
    }
  });

  it('has no TypeScript block that is not an example file', () => {
    const tsBlocks = markdown.match(/^```ts$/gm) ?? [];
    expect(tsBlocks.length).toBe(exampleBlocks(markdown).length);
  });
});

describe('examples/delegation.ts', () => {
  it('prints what the guide says it prints', () => {
    const guide = readFileSync(join(guidesDirectory, '03-delegation.md'), 'utf8');
    const printed = guide.match(/Running it prints:\n\n```text\n([\s\S]*?)```/)?.[1] ?? '';
    expect(`${delegateAndRevoke().join('\n')}\n`).toBe(printed);
  });
});
