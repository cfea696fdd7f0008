import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runWarden } from '../test/run-cli.ts';

const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));

/** The `text` blocks of the root README that show a `warden policy` run: command line and output. */
function examples(): { args: string[]; output: string }[] {
  return [...readme.matchAll(/```text\n\$ warden (policy [^\n]+)\n([\s\S]*?)```/g)].map((match) => ({
    args: (match[1] as string).split(' ').map((word) => (word.endsWith('.json') ? fixture(word) : word)),
    output: match[2] as string,
  }));
}

describe('the root README', () => {
  it('shows a policy check explanation and a lint report', () => {
    expect(examples().map((example) => example.args.slice(0, 2).join(' '))).toEqual(
      expect.arrayContaining(['policy check', 'policy lint']),
    );
  });

  it.each(examples().map((example) => [example.args.slice(0, 2).join(' '), example] as const))(
    'shows the real output of %s',
    async (_name, example) => {
      const run = await runWarden(example.args);
      expect(run.stdout).toBe(example.output);
    },
  );
});
