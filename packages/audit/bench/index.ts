/**
 * Runs every `*.bench.ts` file in this directory in turn, in one process, so the variants a
 * benchmark compares share the same machine state. Run with `pnpm bench`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const directory = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(directory)
  .filter((name) => name.endsWith('.bench.ts'))
  .sort()) {
  if (only && !file.includes(only)) continue;
  console.log(`\n# ${file}\n`);
  await import(join(directory, file));
}
