#!/usr/bin/env node
// Checks that every package the published declaration files import is a dependency or peer
// dependency of the package (or has its `@types/` package there), so a consumer's type check
// with `skipLibCheck: false` resolves every import.
//
//   node scripts/check-declaration-imports.mjs <unpacked-package-dir>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';

const [directory] = process.argv.slice(2);
const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'));
const declared = new Set([
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
]);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The `@types/` package that carries the types of `name` (`@scope/name` → `@types/scope__name`). */
function typesPackageOf(name) {
  return `@types/${name.startsWith('@') ? name.slice(1).replace('/', '__') : name}`;
}

// Resolve installed packages from the package's source directory (where check-package runs).
const require = createRequire(path.join(process.cwd(), 'package.json'));

/** Whether the installed package `name` ships its own declarations (else they come from `@types/`). */
function shipsOwnTypes(name) {
  let manifestPath;
  try {
    manifestPath = require.resolve(`${name}/package.json`);
  } catch {
    return true; // exports without ./package.json: modern packages that do ship types
  }
  const installed = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (installed.types || installed.typings) return true;
  if (JSON.stringify(installed.exports ?? {}).includes('"types"')) return true;
  return existsSync(path.join(path.dirname(manifestPath), 'index.d.ts'));
}

const missing = new Set();
const importPattern = /(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g;
const files = readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.d.ts'));
for (const file of files) {
  // Comments may quote prose like "from 'unlimited'": only code imports count.
  const source = readFileSync(path.join(directory, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  for (const [, specifier] of source.matchAll(importPattern)) {
    if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
    const name = packageOf(specifier);
    if (builtinModules.includes(name) || name === manifest.name) continue;
    if (declared.has(typesPackageOf(name))) continue;
    if (declared.has(name) && shipsOwnTypes(name)) continue;
    missing.add(`${name} (imported by ${file})`);
  }
}
if (missing.size > 0) {
  console.error(`check-package: ${manifest.name}'s declarations import packages it does not depend on:`);
  for (const entry of missing) console.error(`  - ${entry}`);
  process.exit(1);
}
