/**
 * The lock that makes one process at a time the appender of a storage directory: two appenders
 * would both write entry N, and the log would then verify as tampered and refuse to reopen.
 *
 * The lock is the file `LOCK`, holding the appender's pid, a random token and (on Linux) the
 * process instance (start time and boot id, see `process-identity.ts`), created whole
 * (written aside, then linked into place, which fails when it exists). A lock whose process is
 * gone is taken over, and taking over is where two processes starting at once could both win: each
 * judges the same stale lock, one replaces it, and the other, a moment late, would remove the
 * replacement. So a takeover first claims the stale lock by name (`LOCK.takeover.<digest of its
 * content>`, linked exclusively: one claimant per stale lock), checks that `LOCK` still holds that
 * very content, and only then renames its own lock over it. The only other ways `LOCK` changes are
 * its live holder removing it on close and a newcomer linking into the empty place, so between
 * the check and the rename nothing can replace it.
 *
 * A claimant killed between its claim and its rename leaves the claim behind. A claim is a file
 * holding its claimant's lock content, so it is judged by the same rule as the lock (its process is
 * gone) and removed by the same protocol: claimed by its content (`LOCK.takeover.<digest of the
 * claim's content>`, exclusively), checked to still hold that content, then removed. The rule that
 * makes this safe is one for every file here: a file holding the content `c` of a process that is
 * gone changes only by the hand of the one holder of the claim on `c` (its writer is gone, and
 * nobody links over an existing name), so what that holder checked holds until it acts. A claim
 * on a claim left by a claimant killed in turn is removed the same way, up to a few levels deep;
 * deeper, the directory refuses appenders until an operator removes the files named.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, open, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatProcessInstance,
  ownProcessInstance,
  parseProcessInstance,
  runningProcessInstance,
} from './process-identity.js';

/** The file that says which process appends to a storage directory. */
const LOCK_FILE = 'LOCK';

/** Attempts at taking the lock, each after a lock or claim that changed or was found stale. */
const ACQUIRE_ATTEMPTS = 4;

/** Claims on stale claims (left by claimants killed in turn) removed before giving up. */
const MAX_CLAIM_DEPTH = 3;

/** Most bytes a lock or claim file holds: a pid and a UUID take under 50. */
const LOCK_FILE_MAX_BYTES = 1024;

/** What a refusal is made of: a message (and the caller's error type). */
type Refuse = (message: string) => Error;

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
export async function acquireDirectoryLock(directory: string, refuse: Refuse): Promise<DirectoryLock> {
  // The real path: through a symlink, a second log of this process must still find its lock here.
  const path = join(await realpath(directory), LOCK_FILE);
  const heldHere = (): Error => refuse(`another audit log of this process appends to ${directory}`);
  if (heldLocks.has(path)) throw heldHere();
  // The instance, not only the pid: after a crash and a reboot another process may have the pid.
  const instance = await ownProcessInstance();
  const content = `${process.pid} ${randomUUID()}${instance ? formatProcessInstance(instance) : ''}\n`;
  const aside = `${path}.${randomUUID()}`;
  ownContents.add(content);
  let held = false;
  try {
    await writeFile(aside, content);
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS && !held; attempt += 1) {
      held = await linkedInPlace(aside, path);
      if (held) break;
      const current = await readLockFile(path, refuse);
      if (current === undefined) continue; // Released meanwhile: link again.
      const holder = holderPid(current);
      if (holder === process.pid && ownContents.has(current)) throw heldHere();
      if (!(await isStale(current))) {
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
  const current = await readLockFile(lock.path, (message) => new Error(message)).catch(() => undefined);
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

/** The name of the claim on `content` (of `LOCK` or of a claim): one claimant per content. */
function claimPath(path: string, content: string): string {
  return `${path}.takeover.${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}

/**
 * Replaces the stale lock whose content is `stale` with `aside`, as its one claimant. False when
 * the lock changed meanwhile, or a stale claim was removed (the caller judges again); throws when a
 * running process claimed the same stale lock.
 */
async function tookOver(
  aside: string,
  path: string,
  stale: string,
  directory: string,
  refuse: Refuse,
): Promise<boolean> {
  const claim = claimPath(path, stale);
  if (!(await linkedInPlace(aside, claim))) {
    await clearStaleClaim(aside, path, claim, directory, refuse, 1);
    return false;
  }
  try {
    // Only the claimant of this content may replace it, and its holder is gone: if it still holds
    // `stale` now, it holds it until the rename.
    const current = await readLockFile(path, refuse);
    if (current !== stale) return false;
    await rename(aside, path);
    return true;
  } finally {
    await rm(claim, { force: true });
  }
}

/**
 * Someone holds `claim`: refuses when its claimant runs, and otherwise removes it (a claimant
 * killed mid-takeover) as the one claimant of its content, so that the caller can try again. A
 * claim that is gone already needs nothing.
 */
async function clearStaleClaim(
  aside: string,
  path: string,
  claim: string,
  directory: string,
  refuse: Refuse,
  depth: number,
): Promise<void> {
  const content = await readLockFile(claim, refuse);
  if (content === undefined) return;
  if (!(await isStale(content)) || depth > MAX_CLAIM_DEPTH) {
    throw refuse(
      `process ${holderPid(content)} is taking over the stale lock of ${directory} at the same time; if no such process runs, remove ${LOCK_FILE} and ${claim}`,
    );
  }
  const claimOnClaim = claimPath(path, content);
  if (!(await linkedInPlace(aside, claimOnClaim))) {
    await clearStaleClaim(aside, path, claimOnClaim, directory, refuse, depth + 1);
    return;
  }
  try {
    // As the one claimant of `content`, whose writer is gone: if `claim` still holds it now, it
    // holds it until this removes it.
    if ((await readLockFile(claim, refuse)) === content) await rm(claim, { force: true });
  } finally {
    await rm(claimOnClaim, { force: true });
  }
}

/**
 * Whether the process that wrote `content` (a lock or a claim) is gone. Content naming this
 * process's pid that this process did not write was left by an earlier process with the same pid.
 * Content naming its writer's instance (start time and boot, see `process-identity.ts`) is live
 * only while that very instance runs: a process that got the pid later, in this boot or after a
 * reboot, is somebody else. Content without one (written before locks named it, or where `/proc`
 * could not be read), or judged where `/proc` cannot be read, is live while any process has the pid.
 */
async function isStale(content: string): Promise<boolean> {
  const holder = holderPid(content);
  if (holder === process.pid) return !ownContents.has(content);
  if (!Number.isSafeInteger(holder) || holder <= 0) return true;
  const writer = parseProcessInstance(content);
  if (writer !== undefined) {
    const running = await runningProcessInstance(holder);
    if (running === undefined) return true;
    if (running !== 'unknown') return running.bootId !== writer.bootId || running.startTicks !== writer.startTicks;
  }
  return !isRunning(holder);
}

/**
 * The content of the lock or claim file at `path`, undefined when there is none. Whoever can write
 * the directory may put a FIFO there (whose open waits for a writer forever: an appender that never
 * starts), a link to a device (`/dev/zero` reads without end) or a directory: the open returns at
 * once (`O_NONBLOCK`), and anything `fstat` does not show to be a regular file of at most
 * {@link LOCK_FILE_MAX_BYTES} is refused, as is a file that cannot be read.
 */
async function readLockFile(path: string, refuse: Refuse): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuse(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > LOCK_FILE_MAX_BYTES) {
      throw refuse(
        `${path} is not a lock file (not a regular file of at most ${LOCK_FILE_MAX_BYTES} bytes); remove it only if no audit log appends to this directory`,
      );
    }
    const buffer = Buffer.alloc(LOCK_FILE_MAX_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The pid a lock names (its first word); NaN when there is none. */
function holderPid(content: string): number {
  return Number.parseInt(content, 10);
}

/** Whether any process has `pid` (the rule where no instance can be compared). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
