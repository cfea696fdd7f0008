#!/usr/bin/env node
// Merges the incremental files of runs on one port's files at a time (WARDEN_MUTATION_TAG=…
// with --mutate) into one, so the full run (`pnpm mutation:contracts`) retests only the mutants
// whose code or covering tests changed since. Test ids are per run, so they are re-issued by
// test file and test name.
//
// Usage: node mutation/merge-incremental.mjs <out.json> <in.json>…  (later inputs win per file)
import { readFileSync, writeFileSync } from 'node:fs';

const [output, ...inputs] = process.argv.slice(2);
if (!output || inputs.length === 0) {
  console.error('usage: merge-incremental.mjs <out.json> <in.json>…');
  process.exit(2);
}

const merged = { files: {}, testFiles: {} };
const idByTest = new Map();
const testId = (file, name) => {
  const key = `${file}\0${name}`;
  if (!idByTest.has(key)) idByTest.set(key, String(idByTest.size));
  return idByTest.get(key);
};

for (const input of inputs) {
  const report = JSON.parse(readFileSync(input, 'utf8'));
  const { files, testFiles, ...header } = report;
  Object.assign(merged, header);
  const renamed = new Map();
  for (const [file, testFile] of Object.entries(testFiles ?? {})) {
    const tests = testFile.tests.map((test) => {
      const id = testId(file, test.name);
      renamed.set(test.id, id);
      return { ...test, id };
    });
    const known = merged.testFiles[file]?.tests ?? [];
    const byId = new Map([...known, ...tests].map((test) => [test.id, test]));
    merged.testFiles[file] = { ...testFile, tests: [...byId.values()] };
  }
  const rename = (ids) => ids?.map((id) => renamed.get(id)).filter((id) => id !== undefined);
  for (const [file, entry] of Object.entries(files)) {
    merged.files[file] = {
      ...entry,
      mutants: entry.mutants.map((mutant) => ({
        ...mutant,
        ...(mutant.coveredBy ? { coveredBy: rename(mutant.coveredBy) } : {}),
        ...(mutant.killedBy ? { killedBy: rename(mutant.killedBy) } : {}),
      })),
    };
  }
}
writeFileSync(output, JSON.stringify(merged));
console.log(`${Object.keys(merged.files).length} files, ${idByTest.size} tests → ${output}`);
