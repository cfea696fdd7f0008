#!/usr/bin/env node
// Checks that every published package changed since the last release carries a pending
// changeset, so no user-visible change ships without a changelog entry.
//
// "The last release" is the newest commit that wrote a package's CHANGELOG.md (what
// `changeset version` does); before the first release it is the repository's first commit.
// Test-only changes (`*.test.ts`, `test/`, `bench/`) do not need a changeset.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

const lastRelease = git('log', '-1', '--format=%H', '--', 'packages/*/CHANGELOG.md');
const base = lastRelease || git('rev-list', '--max-parents=0', 'HEAD').split('\n').pop();

const changedFiles = git('diff', '--name-only', base, 'HEAD', '--', 'packages').split('\n').filter(Boolean);
const userVisible = (file) => !/\.test(-d)?\.ts$|\/test\/|\/bench\//.test(file);

const changedPackages = new Set();
for (const file of changedFiles.filter(userVisible)) {
  const directory = file.split('/').slice(0, 2).join('/');
  const manifestPath = path.join(root, directory, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (!manifest.private) changedPackages.add(manifest.name);
}

const named = new Set();
const changesetDirectory = path.join(root, '.changeset');
for (const file of readdirSync(changesetDirectory).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
  const text = readFileSync(path.join(changesetDirectory, file), 'utf8');
  const frontMatter = text.split(/^---$/m)[1] ?? '';
  for (const [, name] of frontMatter.matchAll(/^["']?(@warden\/[a-z0-9-]+)["']?\s*:/gm)) named.add(name);
}

const missing = [...changedPackages].filter((name) => !named.has(name)).sort();
if (missing.length > 0) {
  console.error('check-changesets: these packages changed without a changeset (run `pnpm changeset`):');
  for (const name of missing) console.error(`  - ${name}`);
  process.exit(1);
}
console.log(`check-changesets: ${changedPackages.size} changed packages, each with a changeset`);
