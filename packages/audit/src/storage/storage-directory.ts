/**
 * The directory a file storage keeps its segments in, on a file system whoever can write the log's
 * directory controls: something else may stand where it should be (a file, a FIFO, a link to one,
 * a dangling or looping link), before the log opens or swapped in while it runs. Each is refused as
 * `not-a-directory`, at once, and left as it is.
 *
 * @module
 */
import { constants } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { notADirectory } from './segment-file.js';

/**
 * Creates the storage directory when missing. Something else in its place (a file, a FIFO, a link
 * to one, a dangling or looping link) is `not-a-directory`, and is left as it is: whatever it holds
 * is never replaced, written to or removed.
 */
export async function makeDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENOENT') {
      throw notADirectory(directory, error);
    }
    throw error;
  }
  // mkdir succeeds on an existing directory only, and on a link to one; judged again all the same.
  const found = await stat(directory).catch((error: unknown) => {
    throw notADirectory(directory, error);
  });
  if (!found.isDirectory()) throw notADirectory(directory);
}

/**
 * Makes a new segment's name durable. Opened as a directory only (`O_DIRECTORY`, without blocking):
 * a FIFO swapped in for the directory would otherwise hold this open, and the appender, forever.
 */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(
    directory,
    constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NONBLOCK ?? 0),
  ).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENOENT' ? notADirectory(directory, error) : error;
  });
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
