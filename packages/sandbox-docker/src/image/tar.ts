/**
 * A minimal in-memory tar (ustar) writer for build contexts, so an image builds through the
 * Engine API without temporary directories or a CLI.
 *
 * @module
 */

/** One regular file in a tar archive. */
export interface TarEntry {
  /** Relative path inside the archive (at most 100 bytes). */
  name: string;
  /** File contents. */
  content: Buffer;
  /** Permission bits. @default 0o644 */
  mode?: number;
}

const BLOCK = 512;

function writeField(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, Math.min(length, Buffer.byteLength(value)), 'utf8');
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

function headerFor(entry: TarEntry): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeField(header, 0, 100, entry.name);
  writeField(header, 100, 8, octal(entry.mode ?? 0o644, 8));
  writeField(header, 108, 8, octal(0, 8));
  writeField(header, 116, 8, octal(0, 8));
  writeField(header, 124, 12, octal(entry.content.length, 12));
  writeField(header, 136, 12, octal(0, 12));
  header.fill(' ', 148, 156);
  header[156] = '0'.charCodeAt(0);
  writeField(header, 257, 6, 'ustar\0');
  writeField(header, 263, 2, '00');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  writeField(header, 148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** Packs `entries` into a tar archive. Names must be relative, without `..`, at most 100 bytes. */
export function packTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(headerFor(entry), entry.content);
    const padding = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
