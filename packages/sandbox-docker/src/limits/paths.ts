/**
 * Which host paths may be bind-mounted into a sandbox, judged by what they resolve to. Every path
 * is resolved (`realpath`) before any check; what it resolves to must be a regular file or a
 * directory — never a socket, a device or a FIFO, however reached — and never the engine's socket
 * (recognised by device and inode, whatever its spelling), a directory containing it or any other
 * Unix socket bound on this host (containerd's, a shim's, any service's), `/proc`, `/sys`, `/dev`,
 * `/`, another host system path, or anything in, or above, the engine's and its runtimes' trees
 * (`/var/lib/docker`, `/run/containerd`, `/run/docker*`, runc's state…). A path that is, or passes
 * through, a symlink is refused unless it resolves inside one of the configured `symlinkRoots`:
 * an earlier sandbox with a writable path may have planted the link. The engine resolves the path
 * again when it binds it, so a path someone other than root or this process could swap in the
 * meantime (below a directory they can write) is refused too. The resolved path is what gets
 * bound, and the adapter checks it again after the container is created and started.
 *
 * @module
 */
import { lstatSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import { posix } from 'node:path';
import { type InputIssue, InvalidInputError } from '@warden/core';
import type Docker from 'dockerode';

const KNOWN_DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock'];
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev'];
const FORBIDDEN_EXACT = ['/', '/boot', '/etc', '/root'];

/**
 * Trees of the engine and its runtimes: images and layers, container state, runtime state,
 * configuration and sockets. Neither they, nor anything inside them, nor a directory above them
 * (which would mount them too) is ever mounted.
 */
const ENGINE_TREES = [
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/dockershim',
  '/run/docker',
  '/var/run/docker',
  '/run/containerd',
  '/var/run/containerd',
  '/run/runc',
  '/var/run/runc',
  '/run/runsc',
  '/var/run/runsc',
  '/run/crun',
  '/var/run/crun',
  '/etc/docker',
  '/etc/containerd',
];

/** In `/run` and `/var/run`, every name starting with `docker` is the engine's (`docker.sock`, `docker/`). */
const ENGINE_RUN_NAME = /^\/(?:var\/)?run\/docker/;

/** The kernel's list of this network namespace's Unix sockets, with the paths they are bound to. */
const PROC_NET_UNIX = '/proc/net/unix';

/** A host path checked for mounting: where it resolves to, and what it was when checked. */
export interface ResolvedMount {
  /** The path as the caller wrote it: where it appears inside the sandbox. */
  target: string;
  /** What it resolves to on the host: what gets bound. */
  source: string;
  readOnly: boolean;
  /** `dev:ino` of the source when checked, to catch a swap before the engine binds it. */
  identity: string;
}

/** The engine's socket as found on this machine: resolved paths and `dev:ino` identities. */
export interface EngineSockets {
  paths: readonly string[];
  identities: ReadonlySet<string>;
}

function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}

/** The socket path in a `unix://` address, in any spelling (`unix:///run//docker.sock`, `UNIX://…`). */
function unixSocketPath(address: string | undefined): string | undefined {
  const match = /^unix:(?:\/\/)?(\/.*)$/i.exec(address?.trim() ?? '');
  return match?.[1] ? posix.normalize(match[1]) : undefined;
}

/**
 * Finds the engine's socket from every place it may be named: the client in use (dockerode's
 * `modem.socketPath`), the configured address, `DOCKER_HOST` and the well-known paths; each is
 * resolved through symlinks and recorded by device and inode.
 */
export function findEngineSockets(docker: Docker | undefined, dockerHost: string | undefined): EngineSockets {
  const modemSocket = (docker as { modem?: { socketPath?: unknown } } | undefined)?.modem?.socketPath;
  const candidates = [
    ...KNOWN_DOCKER_SOCKETS,
    typeof modemSocket === 'string' ? modemSocket : undefined,
    unixSocketPath(dockerHost),
    unixSocketPath(process.env.DOCKER_HOST),
  ].filter((path): path is string => path !== undefined);
  const paths = new Set<string>();
  const identities = new Set<string>();
  for (const candidate of candidates) {
    paths.add(posix.normalize(candidate));
    try {
      paths.add(realpathSync(candidate));
      identities.add(identityOf(statSync(candidate)));
    } catch {
      // Not on this machine: the path as written still counts.
    }
  }
  return { paths: [...paths], identities };
}

/** True when `ancestor` is `path` or one of its parent directories. */
function isSameOrAncestor(ancestor: string, path: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function normalized(path: string): string {
  const clean = posix.normalize(path);
  return clean.length > 1 ? clean.replace(/\/+$/, '') : clean;
}

function kindRefusal(stats: Stats): string | undefined {
  if (stats.isSocket()) return 'it resolves to a socket; sockets are never mounted';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'it resolves to a device; devices are never mounted';
  if (stats.isFIFO()) return 'it resolves to a FIFO; FIFOs are never mounted';
  if (!stats.isFile() && !stats.isDirectory()) return 'only regular files and directories are mounted';
  return undefined;
}

/**
 * Paths of the Unix sockets bound on this host (its network namespace, where the engine and
 * containerd run), as bound and as resolved: containerd's, its shims', any service's. A directory
 * holding one would hand the socket to the sandbox. Empty where the kernel does not list them
 * (not Linux); the engine's socket and the engine's trees are refused without this list.
 */
export function listBoundSockets(): string[] {
  let table: string;
  try {
    table = readFileSync(PROC_NET_UNIX, 'utf8');
  } catch {
    return [];
  }
  const paths = new Set<string>();
  for (const line of table.split('\n')) {
    // "Num RefCount Protocol Flags Type St Inode Path": a path-bound socket's Path starts with "/".
    const bound = /^\S+:(?:\s+\S+){6}\s+(\/.*)$/.exec(line)?.[1];
    if (bound === undefined) continue;
    paths.add(posix.normalize(bound));
    try {
      paths.add(realpathSync(bound));
    } catch {
      // Gone since it was bound: the path as listed still counts.
    }
  }
  return [...paths];
}

/**
 * Why a resolved host path is refused as the engine's or a runtime's (in, or above, one of their
 * trees or of `dataRoots`, the engine's own data root, or a `docker*` name in `/run`), or
 * `undefined` when it is none of theirs.
 */
export function engineTreeRefusal(resolved: string, dataRoots: readonly string[] = []): string | undefined {
  const tree = [...ENGINE_TREES, ...dataRoots].find(
    (engineTree) => isSameOrAncestor(engineTree, resolved) || isSameOrAncestor(resolved, engineTree),
  );
  if (tree === undefined && !ENGINE_RUN_NAME.test(resolved)) return undefined;
  return `${resolved} is, is inside or contains ${tree ?? "the engine's run files"}: the engine's and its runtimes' trees are never mounted`;
}

/** What a mount is judged against besides its kind: the engine's socket and data root, the host's bound sockets. */
interface HostPlaces {
  sockets: EngineSockets;
  dataRoots: readonly string[];
  boundSockets: readonly string[];
}

function placeRefusal(resolved: string, { sockets, dataRoots, boundSockets }: HostPlaces): string | undefined {
  if (sockets.paths.some((socket) => isSameOrAncestor(resolved, socket))) return 'it is or contains the engine socket';
  if (FORBIDDEN_TREES.some((tree) => isSameOrAncestor(tree, resolved))) return `${resolved} is a host system tree`;
  if (FORBIDDEN_EXACT.includes(resolved)) return `${resolved} is never mounted`;
  const engineTree = engineTreeRefusal(resolved, dataRoots);
  if (engineTree) return engineTree;
  const socket = boundSockets.find((bound) => isSameOrAncestor(resolved, bound));
  if (socket) return `it contains the Unix socket ${socket}; a directory holding a bound socket is never mounted`;
  return undefined;
}

/** Mode bits: written by the group or by others; sticky (only an entry's owner may replace it). */
const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/**
 * Why someone other than root or this process could replace `source`, or one of the directories
 * on its way, while the engine binds it, or `undefined` when nobody else can. The engine resolves
 * the path again when it binds it: code in a running sandbox that can write a directory on the way
 * (a `writablePaths` mount) could swap a link in and out faster than any check, and have the
 * link's target (the engine's socket) bound. Each directory above `source` must belong to root or
 * this process, and be writable by nobody else — or be sticky, with the entry on the way theirs.
 */
function swappableBy(source: string): string | undefined {
  const trusted = new Set([0, process.getuid?.() ?? 0]);
  let directory = '/';
  for (const name of source.split('/').filter(Boolean)) {
    const entry = posix.join(directory, name);
    let directoryStats: Stats;
    let entryStats: Stats;
    try {
      directoryStats = lstatSync(directory);
      entryStats = lstatSync(entry);
    } catch {
      return `${entry} could not be checked`;
    }
    const othersWrite = (directoryStats.mode & GROUP_OR_OTHER_WRITE) !== 0;
    const guarded = (directoryStats.mode & STICKY) !== 0 && trusted.has(entryStats.uid);
    if (!trusted.has(directoryStats.uid) || (othersWrite && !guarded)) {
      return `${directory} lets a user other than root or this process replace ${entry} while the engine binds it (a link swapped in and out); mount a path whose directories only root or this process can write`;
    }
    directory = entry;
  }
  return undefined;
}

/** Resolves one path and checks what it resolves to; returns the mount or why it is refused. */
function resolveOne(
  path: string,
  readOnly: boolean,
  places: HostPlaces,
  symlinkRoots: readonly string[],
): ResolvedMount | string {
  const requested = normalized(path);
  let resolved: string;
  let stats: Stats;
  try {
    resolved = realpathSync(requested);
    stats = statSync(resolved);
  } catch {
    return 'it does not exist on this host (paths are resolved and checked before they are mounted)';
  }
  if (resolved !== requested && !symlinkRoots.some((root) => isSameOrAncestor(root, resolved))) {
    return `it passes through a symlink (to ${resolved}); name the directories such links may lead into in symlinkRoots`;
  }
  const refusal =
    kindRefusal(stats) ??
    (places.sockets.identities.has(identityOf(stats)) ? 'it is the engine socket' : placeRefusal(resolved, places)) ??
    swappableBy(resolved);
  if (refusal) return refusal;
  return { target: requested, source: resolved, readOnly, identity: identityOf(stats) };
}

/** `path` resolved through symlinks where it exists, else as written. */
function resolvedOrAsWritten(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return normalized(path);
  }
}

/**
 * Resolves `allowedPaths` (read-only) and `writablePaths` into the mounts to bind; throws
 * `InvalidInputError` naming every refused path and why. `dataRoots` are the engine's own data
 * roots (its `DockerRootDir`, which `--data-root` may put anywhere), refused like `/var/lib/docker`.
 */
export function resolveMounts(
  constraints: { allowedPaths?: readonly string[]; writablePaths?: readonly string[] },
  sockets: EngineSockets,
  symlinkRoots: readonly string[],
  dataRoots: readonly string[] = [],
): ResolvedMount[] {
  const roots = symlinkRoots.map(resolvedOrAsWritten);
  const requested = [...(constraints.allowedPaths ?? []), ...(constraints.writablePaths ?? [])];
  // Read once per create, and only when something is to be mounted.
  const places: HostPlaces = {
    sockets,
    dataRoots: dataRoots.map(resolvedOrAsWritten),
    boundSockets: requested.length > 0 ? listBoundSockets() : [],
  };
  const issues: InputIssue[] = [];
  const mounts: ResolvedMount[] = [];
  for (const field of ['allowedPaths', 'writablePaths'] as const) {
    (constraints[field] ?? []).forEach((path, index) => {
      const outcome = resolveOne(path, field === 'allowedPaths', places, roots);
      if (typeof outcome === 'string') issues.push({ path: `${field}.${index}`, message: `${path}: ${outcome}` });
      else mounts.push(outcome);
    });
  }
  if (issues.length === 0) return mounts;
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new InvalidInputError({ message: `Invalid sandbox constraints: ${summary}`, issues });
}

/**
 * Checks the mounts again (after create, after start): each source must still resolve to itself
 * and be the same file as when it was checked. Returns what changed, as hardening failures.
 */
export function findMountChanges(mounts: readonly ResolvedMount[]): string[] {
  const failures: string[] = [];
  for (const mount of mounts) {
    try {
      const stats = statSync(mount.source);
      if (realpathSync(mount.source) !== mount.source || identityOf(stats) !== mount.identity || kindRefusal(stats)) {
        failures.push(`Mounts: ${mount.source} changed after it was checked`);
      }
    } catch {
      failures.push(`Mounts: ${mount.source} is gone after it was checked`);
    }
  }
  return failures;
}
