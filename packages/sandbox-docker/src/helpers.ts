/**
 * The function-style API of the original sandbox module (`createSandbox(sessionName)`,
 * `execInSandbox(containerId, command)`, …), working on one shared {@link DockerSandbox}
 * created on first use. Unlike the original, nothing here builds a shell command line on the
 * host: session names are validated and commands go through the Engine API.
 *
 * @module
 */
import { parseInput, type SandboxConstraints } from '@warden/core';
import { z } from 'zod';
import { constraintsFromLabels, SANDBOX_LABELS } from './container/labels.js';
import { listOwnedContainers } from './container/sweep.js';
import { DockerSandbox } from './docker-sandbox.js';
import type { DockerExecResult } from './exec/types.js';
import type { DockerSandboxConfig } from './limits/settings.js';

/** A sandbox as the function-style API reports it. */
export interface SandboxInstance {
  /** The container id; pass it to the other functions. */
  containerId: string;
  /** The session the sandbox was created for. */
  sessionName: string;
  /** Where the container is in its lifecycle. */
  status: 'created' | 'running' | 'stopped' | 'destroyed';
  /** The effective constraints (environment values are not reported for sandboxes of other processes). */
  config: SandboxConstraints;
}

/** Policy-style sandbox settings: {@link SandboxConstraints}, optionally with the policy's `enabled` flag (ignored here). */
export type SandboxHelperConfig = SandboxConstraints & { enabled?: boolean };

/** Options of {@link execInSandbox}. */
export interface ExecInSandboxOptions {
  /** Wall-clock limit in milliseconds. @default the sandbox's `timeoutMs` */
  timeout?: number;
  /** Working directory inside the sandbox. */
  cwd?: string;
  /** Extra environment variables (credential-looking names are dropped unless allowed). */
  env?: Record<string, string>;
}

const helperOptionsSchema = z
  .object({
    timeout: z.number().int().min(1).max(86_400_000).optional(),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .strict();

let sharedSandbox: DockerSandbox | undefined;

/** The shared sandbox the functions use, created on first use from `DOCKER_HOST` and the defaults. */
export function sharedDockerSandbox(): DockerSandbox {
  sharedSandbox ??= new DockerSandbox();
  return sharedSandbox;
}

/**
 * Configures the shared sandbox the functions use (image, owner, limits…), closing the previous
 * one and the sandboxes it created. Returns the new instance.
 */
export async function configureSandboxHelpers(config: DockerSandboxConfig = {}): Promise<DockerSandbox> {
  const next = new DockerSandbox(config);
  const previous = sharedSandbox;
  sharedSandbox = next;
  await previous?.close();
  return next;
}

/** Creates a hardened sandbox for `sessionName` (letters, digits, `.`, `_`, `-`; anything else is `INVALID_INPUT`). */
export async function createSandbox(sessionName: string, config: SandboxHelperConfig = {}): Promise<SandboxInstance> {
  parseInput(z.string().min(1, 'must not be empty'), sessionName, 'session name');
  const { enabled: _enabled, ...constraints } = (config ?? {}) as SandboxHelperConfig;
  const status = await sharedDockerSandbox().createForSession(constraints, sessionName);
  return { containerId: status.id, sessionName, status: 'running', config: status.constraints };
}

/** Runs `command` (a string for `/bin/sh -c`, or an argv array) in a sandbox made by {@link createSandbox}. */
export function execInSandbox(
  containerId: string,
  command: string | readonly string[],
  options: ExecInSandboxOptions = {},
): Promise<DockerExecResult> {
  const { timeout, cwd, env } = parseInput(helperOptionsSchema, options, 'execInSandbox options');
  return sharedDockerSandbox().execute(containerId, command, {
    ...(timeout === undefined ? {} : { timeoutMs: timeout }),
    ...(cwd === undefined ? {} : { cwd }),
    ...(env === undefined ? {} : { env }),
  });
}

/** Removes a sandbox; idempotent. */
export function destroySandbox(containerId: string): Promise<void> {
  return sharedDockerSandbox().destroy(containerId);
}

function instanceStatus(state: string): SandboxInstance['status'] {
  if (state === 'running') return 'running';
  if (state === 'created') return 'created';
  if (state === 'removing') return 'destroyed';
  return 'stopped';
}

/** Reports one sandbox of this owner, or null when there is none with that id. */
export async function getSandboxStatus(containerId: string): Promise<SandboxInstance | null> {
  const found = (await listSandboxes()).find((instance) => instance.containerId === containerId);
  return found ?? null;
}

/** Lists this owner's sandbox containers on the engine, including orphans of other processes. */
export async function listSandboxes(): Promise<SandboxInstance[]> {
  const sandbox = sharedDockerSandbox();
  const containers = await listOwnedContainers(sandbox.docker, sandbox.ownerId);
  return containers.map((container) => ({
    containerId: container.Id,
    sessionName: container.Labels?.[SANDBOX_LABELS.session] ?? '',
    status: instanceStatus(container.State),
    config: constraintsFromLabels(container.Labels),
  }));
}

/** Removes every sandbox container of this owner, running or not. */
export async function cleanupAllSandboxes(): Promise<void> {
  await sharedDockerSandbox().cleanupAll();
}
