#!/usr/bin/env node
// Summarizes a Stryker JSON report (reports/mutation/<run>.json): the score per file (killed and
// timed-out mutants over every mutant run), every survivor for a human to kill or to explain as
// equivalent, and with --ignored every mutant an ignorer left unmutated, with its reason.
// Error messages and security events are scored like any other code. In the contracts run only,
// a survivor inside the stubs' call records ("record": `record(…)`, `calls.push`,
// `executions.push`, `reportError`; contract-ignorers.mjs leaves them unmutated, so this only
// catches a record the ignorer missed) is counted in the second score column, not hidden.
//
// Usage: node mutation/summarize.mjs reports/mutation/contracts.json [--contracts] [--markdown] [--ignored]
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const [reportPath, ...flags] = process.argv.slice(2);
if (!reportPath) {
  console.error('usage: summarize.mjs <stryker-report.json> [--contracts] [--markdown]');
  process.exit(2);
}
const contracts = flags.includes('--contracts');
const markdown = flags.includes('--markdown');
const listIgnored = flags.includes('--ignored');
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Ranges [start, end) of the source that hold the stubs' call records. */
function setAsideRanges(fileName, source) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const ranges = [];
  const visit = (node) => {
    if (contracts) {
      const callee = ts.isCallExpression(node) ? node.expression.getText(file) : '';
      const isRecordCall = ['record', 'calls.push', 'executions.push', 'reportError'].includes(callee);
      const isRecordHelper =
        ts.isVariableDeclaration(node) && ['record', 'reportError'].includes(node.name.getText(file));
      if (isRecordCall || isRecordHelper) {
        ranges.push({ kind: 'record', start: node.getStart(file), end: node.end });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { file, ranges };
}

function offsetOf(file, { line, column }) {
  return file.getPositionOfLineAndCharacter(line - 1, column - 1);
}

const rows = [];
const survivors = [];
const totals = { setAside: { record: 0 } };
const ignoredMutants = [];
// Mutants an ignorer left unmutated (contract-ignorers.mjs), by the kind its reason starts with.
const ignored = {};
for (const [path, entry] of Object.entries(report.files)) {
  const { file, ranges } = setAsideRanges(path, entry.source);
  for (const mutant of entry.mutants) {
    if (mutant.status !== 'Ignored' || !mutant.statusReason || /static/i.test(mutant.statusReason)) continue;
    const kind = mutant.statusReason.split(':')[0];
    ignored[kind] = (ignored[kind] ?? 0) + 1;
    const start = offsetOf(file, mutant.location.start);
    const end = offsetOf(file, mutant.location.end);
    ignoredMutants.push({
      where: `${path.replace(/^packages\//, '')}:${mutant.location.start.line}`,
      mutator: mutant.mutatorName,
      original: entry.source.slice(start, end).replace(/\s+/g, ' ').slice(0, 60),
      reason: mutant.statusReason,
    });
  }
  const row = { path, detected: 0, undetected: 0, asideDetected: 0, asideUndetected: 0 };
  for (const mutant of entry.mutants) {
    const counted = DETECTED.has(mutant.status) ? 'detected' : UNDETECTED.has(mutant.status) ? 'undetected' : undefined;
    if (!counted) continue;
    const start = offsetOf(file, mutant.location.start);
    const end = offsetOf(file, mutant.location.end);
    const aside = ranges.find((range) => start >= range.start && end <= range.end);
    row[counted] += 1;
    if (aside) {
      if (counted === 'detected') row.asideDetected += 1;
      else {
        row.asideUndetected += 1;
        totals.setAside[aside.kind] += 1;
      }
    } else if (counted === 'undetected') {
      survivors.push({
        path,
        line: mutant.location.start.line,
        mutator: mutant.mutatorName,
        status: mutant.status,
        original: entry.source.slice(start, end).replace(/\s+/g, ' ').slice(0, 70),
        replacement: String(mutant.replacement ?? '')
          .replace(/\s+/g, ' ')
          .slice(0, 50),
      });
    }
  }
  rows.push(row);
}

const percent = (part, whole) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`);
let all = { detected: 0, undetected: 0, kept: 0, keptDetected: 0 };
const lines = [];
if (markdown) {
  lines.push('| file | mutants | killed | survived | score | set aside (survived) | score without them |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
}
for (const row of rows.sort((a, b) => a.path.localeCompare(b.path))) {
  const total = row.detected + row.undetected;
  const keptDetected = row.detected - row.asideDetected;
  const kept = total - row.asideDetected - row.asideUndetected;
  all = {
    detected: all.detected + row.detected,
    undetected: all.undetected + row.undetected,
    kept: all.kept + kept,
    keptDetected: all.keptDetected + keptDetected,
  };
  const cells = [
    `\`${row.path}\``,
    total,
    row.detected,
    row.undetected,
    percent(row.detected, total),
    row.asideUndetected,
    percent(keptDetected, kept),
  ];
  lines.push(markdown ? `| ${cells.join(' | ')} |` : cells.join('\t'));
}
const total = all.detected + all.undetected;
const summary = [
  `**all files**`,
  total,
  all.detected,
  all.undetected,
  percent(all.detected, total),
  totals.setAside.record,
  percent(all.keptDetected, all.kept),
];
lines.push(markdown ? `| ${summary.join(' | ')} |` : summary.join('\t'));
lines.push('');
lines.push(`Survivors in stub call records the ignorer missed: ${totals.setAside.record}.`);
if (Object.keys(ignored).length > 0) {
  const kinds = Object.entries(ignored).map(([kind, count]) => `${count} ${kind}`);
  lines.push(`Not mutated (ignorer, reason in the report): ${kinds.join(', ')}.`);
}
lines.push('');
lines.push(markdown ? '| file:line | mutator | original | replacement | status |' : 'Other survivors:');
if (markdown) lines.push('|---|---|---|---|---|');
for (const survivor of survivors) {
  const cells = [
    `\`${survivor.path.replace(/^packages\//, '')}:${survivor.line}\``,
    survivor.mutator,
    `\`${survivor.original.replaceAll('|', '\\|').replaceAll('`', "'")}\``,
    `\`${survivor.replacement.replaceAll('|', '\\|').replaceAll('`', "'")}\``,
    survivor.status,
  ];
  lines.push(markdown ? `| ${cells.join(' | ')} |` : cells.join('\t'));
}
if (listIgnored) {
  lines.push('');
  lines.push(markdown ? '| file:line | mutator | original | reason |' : 'Ignored:');
  if (markdown) lines.push('|---|---|---|---|');
  for (const mutant of ignoredMutants) {
    const cells = [
      `\`${mutant.where}\``,
      mutant.mutator,
      `\`${mutant.original.replaceAll('|', '\\|').replaceAll('`', "'")}\``,
      mutant.reason.replaceAll('|', '\\|'),
    ];
    lines.push(markdown ? `| ${cells.join(' | ')} |` : cells.join('\t'));
  }
}
console.log(lines.join('\n'));
