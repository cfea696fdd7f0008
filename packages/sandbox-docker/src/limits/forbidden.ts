/**
 * Options that would open a way out of the sandbox. Asking for any of them is an input error,
 * named plainly, rather than an "unknown key" that invites a retry with another spelling.
 *
 * @module
 */
import { InvalidInputError } from '@warden/core';

const FORBIDDEN_OPTIONS: Readonly<Record<string, string>> = {
  privileged: 'privileged mode is never allowed',
  capAdd: 'adding capabilities is never allowed (every capability is dropped)',
  capabilities: 'adding capabilities is never allowed (every capability is dropped)',
  pidMode: "sharing the host's PID namespace is never allowed",
  ipcMode: "sharing the host's IPC namespace is never allowed",
  utsMode: "sharing the host's UTS namespace is never allowed",
  usernsMode: "sharing the host's user namespace is never allowed",
  networkMode: "choose networkPolicy instead; the host's network namespace is never allowed",
  hostNetwork: "the host's network namespace is never allowed",
  devices: 'device mounts are never allowed',
  deviceRequests: 'device mounts are never allowed',
  binds: 'use allowedPaths/writablePaths; the Docker socket and device paths are never mounted',
  mounts: 'use allowedPaths/writablePaths; the Docker socket and device paths are never mounted',
  volumes: 'use allowedPaths/writablePaths; the Docker socket and device paths are never mounted',
  securityOpt: 'security options are fixed (no-new-privileges, default seccomp profile)',
  hostConfig: 'raw Docker host configuration is never accepted',
};

/**
 * Throws `InvalidInputError` when `value` (settings or constraints) carries a key that asks for
 * privileged mode, host namespaces, extra capabilities, devices or raw mounts.
 */
export function rejectForbiddenOptions(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null) return;
  const issues = Object.keys(value)
    .filter((key) => Object.hasOwn(FORBIDDEN_OPTIONS, key))
    .map((key) => ({ path: key, message: FORBIDDEN_OPTIONS[key] as string }));
  if (issues.length === 0) return;
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new InvalidInputError({ message: `Invalid ${what}: ${summary}`, issues });
}
