#!/usr/bin/env node
// Lists the slowest tests recorded in vitest JSON reports (written when WARDEN_TEST_TIMINGS_DIR
// is set; see vitest.shared.ts), so the next test to approach its timeout is seen before it fails.
//
//   node scripts/slowest-tests.mjs <reports-dir> [count]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [directory, countArgument = '10'] = process.argv.slice(2);
if (!directory) {
  console.error('usage: node scripts/slowest-tests.mjs <reports-dir> [count]');
  process.exit(2);
}
const count = Number.parseInt(countArgument, 10);

const tests = [];
for (const name of readdirSync(directory).filter((file) => file.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(path.join(directory, name), 'utf8'));
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      tests.push({
        durationMs: test.duration ?? 0,
        status: test.status,
        file: path.relative(process.cwd(), file.name),
        title: test.fullName ?? test.title,
      });
    }
  }
}
tests.sort((left, right) => right.durationMs - left.durationMs);
for (const test of tests.slice(0, count)) {
  const seconds = (test.durationMs / 1000).toFixed(2).padStart(7);
  console.log(`${seconds} s  ${test.status.padEnd(7)} ${test.file} › ${test.title}`);
}
console.log(`(${tests.length} tests in ${directory})`);
