/**
 * Reading a text file a person named (a configuration, a key, a checkpoint) without letting the
 * path choose how the read behaves.
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InvalidInputError } from './errors.js';

/**
 * The default size bound of {@link readRegularTextFile} (256 MiB): far past any configuration,
 * key or checkpoint, and short of the string length a JavaScript engine can hold.
 */
export const MAX_TEXT_FILE_BYTES: number = 256 * 1024 * 1024;

/** Options of {@link readRegularTextFile}. */
export interface ReadTextFileOptions {
  /** Refuse a file longer than this many bytes. @default {@link MAX_TEXT_FILE_BYTES} */
  maxBytes?: number;
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a regular file as UTF-8 text, or throws {@link InvalidInputError} (`INVALID_INPUT`) with a
 * message naming the file. Only a regular file is read: a FIFO no one writes to would block the
 * caller forever, and a device such as `/dev/zero` would be read until memory ran out. Bytes that
 * are not UTF-8 are refused rather than replaced with U+FFFD, so the text judged is the text a
 * reviewer saw. Synchronous: it is meant for commands and start-up, not for request paths.
 *
 * @example
 * const checkpoint = readRegularTextFile('trusted.note');
 */
export function readRegularTextFile(file: string, options: ReadTextFileOptions = {}): string {
  const maxBytes = options.maxBytes ?? MAX_TEXT_FILE_BYTES;
  let descriptor: number;
  try {
    // O_NONBLOCK lets the open of a FIFO return at once (it changes nothing for a regular file);
    // fstat then refuses it. Windows has no such flag, and no FIFOs a path can open.
    descriptor = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw cannotRead(file, error);
  }
  let bytes: Buffer;
  try {
    if (!fstatSync(descriptor).isFile()) throw unreadable(file, `cannot read ${file}: it is not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(CHUNK_BYTES);
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      // Counted as read, not from fstat: a file can grow while it is read.
      if (total > maxBytes) throw unreadable(file, `cannot read ${file}: larger than ${describeBytes(maxBytes)}`);
      chunks.push(chunk.subarray(0, read));
    }
    bytes = Buffer.concat(chunks, total);
  } catch (error) {
    throw error instanceof InvalidInputError ? error : cannotRead(file, error);
  } finally {
    closeSync(descriptor);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw unreadable(file, `${file} is not valid UTF-8`);
  }
}

function cannotRead(file: string, error: unknown): InvalidInputError {
  const code = (error as NodeJS.ErrnoException).code;
  return unreadable(
    file,
    code === 'ENOENT' ? `cannot read ${file}: no such file` : `cannot read ${file}: ${(error as Error).message}`,
  );
}

function unreadable(file: string, message: string): InvalidInputError {
  return new InvalidInputError({ message, issues: [{ path: file, message }] });
}

function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
