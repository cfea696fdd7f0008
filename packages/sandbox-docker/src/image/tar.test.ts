import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packTar } from './tar.js';

describe('packTar(entries)', () => {
  it('writes an archive that tar extracts byte for byte, with the given modes', () => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-tar-'));
    try {
      const binary = Buffer.from(Array.from({ length: 1500 }, (_, index) => index % 256));
      const archive = packTar([
        { name: 'Dockerfile', content: Buffer.from('FROM scratch\n') },
        { name: 'bin/tool', content: binary, mode: 0o755 },
        { name: 'empty', content: Buffer.alloc(0) },
      ]);
      expect(archive.length % 512).toBe(0);
      writeFileSync(join(directory, 'context.tar'), archive);
      const listing = execFileSync('tar', ['-tvf', join(directory, 'context.tar')], { encoding: 'utf8' });
      expect(listing).toMatch(/^-rwxr-xr-x .* bin\/tool$/m);
      execFileSync('tar', ['-xf', join(directory, 'context.tar'), '-C', directory]);
      expect(readFileSync(join(directory, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
      expect(readFileSync(join(directory, 'bin/tool')).equals(binary)).toBe(true);
      expect(readFileSync(join(directory, 'empty')).length).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
