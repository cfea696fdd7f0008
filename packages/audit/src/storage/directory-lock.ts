/**
 * The lock that makes one process at a time the appender of a storage directory: two appenders
 * would both write entry N, and the log would then verify as tampered and refuse to reopen.
 *
 * The lock is the file `LOCK`, holding the appender's pid and a random token, created whole
 * (written aside, then linked into place, which fails when it exists). A lock whose process is
 * gone is taken over, and taking over is where two processes starting at once could both win: each
 * judges the same stale lock, one replaces it, and the other, a moment late, would remove the
 * replacement. So a takeover first claims the stale lock by name (`LOCK.takeover.<digest of its
 * content>`, linked exclusively: one claimant per stale lock), checks that `LOCK` still holds that
 * very content, and only then renames its own lock over it. The only other ways `LOCK` changes are
 * its live holder removing it on close and a newcomer linking into the empty place, so between
 * the check and the rename nothing can replace it.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The file that says which process appends to a storage directory. */
const LOCK_FILE = 'LOCK';

/** A directory lock this process holds. */
export interface DirectoryLock {
  /** The real path of the `LOCK` file. */
  readonly path: string;
  /** What this process wrote into it: its pid and a token no other lock carries. */
  readonly content: string;
}

/** Lock files this process holds. */
const heldLocks = new Set<string>();

/**
 * What this process wrote into the locks it holds or is taking. A lock naming this process's pid
 * with other content was left by an earlier process that had the same pid (a container's main
 * process, restarted after a crash).
 */
const ownContents = new Set<string>();

/**
 * Takes `directory`'s lock for this process, or throws what `refuse` makes of the reason: another
 * process (or another storage of this one) holds it, or is taking over the same stale lock.
 */
export async function acquireDirectoryLock(
  directory: string,
  refuse: (message: string) => Error,
): Promise<DirectoryLock> {
  // The real path: through a symlink, a second log of this process must still find its lock here.
  const path = join(await realpath(directory), LOCK_FILE);
  const heldHere = (): Error => refuse(`another audit log of this process appends to ${directory}`);
  if (heldLocks.has(path)) throw heldHere();
  const content = `${process.pid} ${randomUUID()}\n`;
  const aside = `${path}.${randomUUID()}`;
  ownContents.add(content);
  let held = false;
  try {
    await writeFile(aside, content);
    for (let attempt = 0; attempt < 3 && !held; attempt += 1) {
      held = await linkedInPlace(aside, path);
      if (held) break;
      const current = await readFile(path, 'utf8').catch(() => undefined);
      if (current === undefined) continue; // Released meanwhile: link again.
      const holder = holderPid(current);
      if (holder === process.pid && ownContents.has(current)) throw heldHere();
      if (holder !== process.pid && isRunning(holder)) {
        throw refuse(
          `process ${holder} appends to ${directory} (its ${LOCK_FILE} file); remove that file only if no such process writes this log`,
        );
      }
      held = await tookOver(aside, path, current, directory, refuse);
    }
    if (!held) throw refuse(`another process took the lock of ${directory} at the same time`);
    heldLocks.add(path);
    return { path, content };
  } finally {
    if (!held) ownContents.delete(content);
    await rm(aside, { force: true });
  }
}

/** Releases a lock this process holds; a `LOCK` that no longer holds its content is left alone. */
export async function releaseDirectoryLock(lock: DirectoryLock): Promise<void> {
  heldLocks.delete(lock.path);
  const current = await readFile(lock.path, 'utf8').catch(() => undefined);
  if (current === lock.content) await rm(lock.path, { force: true });
  ownContents.delete(lock.content);
}

/** Links `aside` into place as the lock; false when a lock is already there. */
async function linkedInPlace(aside: string, path: string): Promise<boolean> {
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Replaces the stale lock whose content is `stale` with `aside`, as its one claimant. False when
 * the lock changed meanwhile (the caller judges the new one); throws when another process claimed
 * the same stale lock.
 */
async function tookOver(
  aside: string,
  path: string,
  stale: string,
  directory: string,
  refuse: (message: string) => Error,
): Promise<boolean> {
  const claim = `${path}.takeover.${createHash('sha256').update(stale).digest('hex').slice(0, 32)}`;
  if (!(await linkedInPlace(aside, claim))) {
    // A claimant that crashed between its claim and its rename leaves the claim behind: this
    // directory then needs an operator, as the message says, rather than a guess.
    const claimant = holderPid(await readFile(claim, 'utf8').catch(() => ''));
    throw refuse(
      `process ${claimant} is taking over the stale lock of ${directory} at the same time; if no such process runs, remove ${LOCK_FILE} and ${claim}`,
    );
  }
  try {
    // Only the claimant of this content may replace it, and its holder is gone: if it still holds
    // `stale` now, it holds it until the rename.
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current !== stale) return false;
    await rename(aside, path);
    return true;
  } finally {
    await rm(claim, { force: true });
  }
}

/** The pid a lock names (its first word); NaN when there is none. */
function holderPid(content: string): number {
  return Number.parseInt(content, 10);
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
