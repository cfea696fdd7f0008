import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const changesetBin = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');

/** Copies what `changeset version` reads (manifests, changesets, workspace file) into a scratch repo. */
function copyReleaseInputs(target: string): void {
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(target, file));
  cpSync(join(root, '.changeset'), join(target, '.changeset'), { recursive: true });
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const manifest = join(root, group, name, 'package.json');
      if (existsSync(manifest)) cpSync(manifest, join(target, group, name, 'package.json'));
    }
  }
}

describe('pnpm changeset version', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'warden-release-'));
    copyReleaseInputs(scratch);
    execFileSync('git', ['init', '-q'], { cwd: scratch });
    execFileSync(process.execPath, [changesetBin, 'version'], { cwd: scratch, stdio: 'pipe' });
  }, 180_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const published = readdirSync(join(root, 'packages'));

  it('writes a CHANGELOG.md for every published package', () => {
    for (const name of published) expect(existsSync(join(scratch, 'packages', name, 'CHANGELOG.md')), name).toBe(true);
  });

  it('leaves the private example app alone', () => {
    const manifest = JSON.parse(readFileSync(join(scratch, 'apps', 'example', 'package.json'), 'utf8'));
    expect(manifest.version).toBe('0.0.0');
    expect(existsSync(join(scratch, 'apps', 'example', 'CHANGELOG.md'))).toBe(false);
  });

  it('keeps adapters peering on core with a caret range, versioned independently (no fixed groups)', () => {
    const config = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8'));
    expect(config.fixed).toEqual([]);
    expect(config.linked).toEqual([]);
    for (const name of published.filter((dir) => dir !== 'core')) {
      const manifest = JSON.parse(readFileSync(join(scratch, 'packages', name, 'package.json'), 'utf8'));
      // A library peers on core so an app gets one copy; a command (`bin`) depends on it directly.
      const range =
        manifest.peerDependencies?.['@warden/core'] ?? (manifest.bin && manifest.dependencies?.['@warden/core']);
      expect(range, name).toBe('workspace:^');
    }
  });
});
