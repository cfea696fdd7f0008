import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { readRegularTextFile } from './text-file.js';

describe('readRegularTextFile(file, options)', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'warden-text-file-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const refused = (read: () => unknown, message: RegExp) => {
    let caught: unknown;
    try {
      read();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as Error).message).toMatch(message);
  };

  it('reads a regular file as UTF-8, characters beyond U+FFFF and a byte-order mark kept', () => {
    const file = join(directory, 'text');
    writeFileSync(file, '\ufeffkey 🚨\n');
    expect(readRegularTextFile(file)).toBe('\ufeffkey 🚨\n');
  });

  it('refuses a FIFO at once (nobody writes to it), a device and a directory', () => {
    const fifo = join(directory, 'fifo');
    execFileSync('mkfifo', [fifo]);
    refused(() => readRegularTextFile(fifo), /it is not a regular file/);
    refused(() => readRegularTextFile('/dev/zero'), /it is not a regular file/);
    refused(() => readRegularTextFile(directory), /it is not a regular file|EISDIR/);
  });

  it('refuses a missing file, one past maxBytes and bytes that are not UTF-8, naming the file', () => {
    refused(() => readRegularTextFile(join(directory, 'missing')), /cannot read .*missing: no such file/);
    const large = join(directory, 'large');
    writeFileSync(large, 'x'.repeat(2048));
    refused(() => readRegularTextFile(large, { maxBytes: 2047 }), /large: larger than 2047 bytes/);
    expect(readRegularTextFile(large, { maxBytes: 2048 })).toHaveLength(2048);
    const latin1 = join(directory, 'latin1');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    refused(() => readRegularTextFile(latin1), /latin1 is not valid UTF-8/);
  });
});
