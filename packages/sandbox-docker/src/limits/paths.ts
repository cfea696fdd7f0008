/**
 * Which host paths may be bind-mounted into a sandbox. The Docker socket (or any directory that
 * contains it), device nodes, `/proc`, `/sys` and `/` itself would hand the sandbox the host, so
 * asking for them is an input error.
 *
 * @module
 */
import { lstatSync, realpathSync } from 'node:fs';
import { type InputIssue, InvalidInputError } from '@warden/core';

const KNOWN_DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock', '/var/run/docker', '/run/docker'];
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev'];
const FORBIDDEN_EXACT = ['/', '/boot', '/etc', '/root', '/var/lib/docker', '/run/containerd', '/var/run/containerd'];

/** True when `ancestor` is `path` or one of its parent directories. */
function isSameOrAncestor(ancestor: string, path: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/** The path and, when it exists on this machine, where its symlinks lead. */
function candidatesOf(path: string): { paths: string[]; kind: 'socket' | 'device' | 'other' } {
  const paths = [withoutTrailingSlash(path)];
  try {
    const stats = lstatSync(path);
    if (stats.isSocket()) return { paths, kind: 'socket' };
    if (stats.isCharacterDevice() || stats.isBlockDevice()) return { paths, kind: 'device' };
    paths.push(realpathSync(path));
  } catch {
    // Not on this machine (a remote engine): judge the path as written.
  }
  return { paths, kind: 'other' };
}

/** Why `path` may not be mounted, or undefined when it may. */
function refusalOf(path: string, dockerSockets: readonly string[]): string | undefined {
  const { paths, kind } = candidatesOf(path);
  if (kind === 'socket') return 'sockets are never mounted (the Docker socket would hand over the host)';
  if (kind === 'device') return 'device nodes are never mounted';
  for (const candidate of paths) {
    if (dockerSockets.some((socket) => isSameOrAncestor(candidate, socket)))
      return 'it is or contains the Docker socket';
    if (FORBIDDEN_TREES.some((tree) => isSameOrAncestor(tree, candidate))) return `${candidate} is a host system tree`;
    if (FORBIDDEN_EXACT.includes(candidate)) return `${candidate} is never mounted`;
  }
  return undefined;
}

/** The Docker socket paths to protect: the well-known ones and the engine's own `unix://` address. */
export function dockerSocketPaths(dockerHost: string | undefined): string[] {
  const sockets = [...KNOWN_DOCKER_SOCKETS];
  if (dockerHost?.startsWith('unix://')) sockets.push(withoutTrailingSlash(dockerHost.slice('unix://'.length)));
  return sockets;
}

/**
 * Throws `InvalidInputError` when any of `allowedPaths` or `writablePaths` is the Docker socket, a
 * directory containing it, a device node, `/proc`, `/sys`, `/dev`, `/` or another host system path.
 */
export function assertMountablePaths(
  constraints: { allowedPaths?: readonly string[]; writablePaths?: readonly string[] },
  dockerSockets: readonly string[],
): void {
  const issues: InputIssue[] = [];
  for (const field of ['allowedPaths', 'writablePaths'] as const) {
    (constraints[field] ?? []).forEach((path, index) => {
      const refusal = refusalOf(path, dockerSockets);
      if (refusal) issues.push({ path: `${field}.${index}`, message: `${path}: ${refusal}` });
    });
  }
  if (issues.length === 0) return;
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new InvalidInputError({ message: `Invalid sandbox constraints: ${summary}`, issues });
}
