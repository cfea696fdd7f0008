/**
 * From the constraints a caller asks for to the sandbox the adapter will create: validation,
 * defaults, ceilings, credential filtering and the network each policy maps to. Everything that
 * can be refused is refused here, before a container exists.
 *
 * @module
 */
import {
  CapabilityUnsupportedError,
  InvalidInputError,
  parseInput,
  type SandboxConstraints,
  sandboxConstraintsSchema,
} from '@warden/core';
import type Docker from 'dockerode';
import { hashConfiguration } from '../container/labels.js';
import type { EffectiveConstraints } from '../container/spec.js';
import { engineStatus, toWardenError } from '../errors.js';
import { filterCredentialEnv } from './env.js';
import { rejectForbiddenOptions } from './forbidden.js';
import { DEFAULT_SANDBOX_CONSTRAINTS, type ResolvedDockerSandboxSettings, type SandboxCeilings } from './settings.js';

/** Where a sandbox's network policy leads on this engine. */
export interface NetworkPlan {
  /** Docker network mode: `none`, the egress proxy's internal network, or the `full` network. */
  networkMode: string;
  /** Proxy variables for `egress-only`. */
  adapterEnv: Record<string, string>;
}

/** Validates `constraints` and fills in defaults; throws `InvalidInputError` before any I/O. */
export function planConstraints(constraints: unknown, settings: ResolvedDockerSandboxSettings): EffectiveConstraints {
  rejectForbiddenOptions(constraints, 'sandbox constraints');
  const given = parseInput(
    sandboxConstraintsSchema,
    constraints === undefined ? {} : constraints,
    'sandbox constraints',
  );
  const merged: SandboxConstraints = { ...DEFAULT_SANDBOX_CONSTRAINTS, ...settings.defaults, ...given };
  const env = { ...settings.defaults.env, ...given.env };
  const effective = {
    ...merged,
    env: filterCredentialEnv(env, settings.allowCredentialEnv).kept,
  } as EffectiveConstraints;
  return effective;
}

/** Refuses limits above the ceilings (absurd limits) with `InvalidInputError`. */
export function assertWithinCeilings(constraints: EffectiveConstraints, ceilings: Required<SandboxCeilings>): void {
  const issues = (['maxMemoryMb', 'maxCpuPercent', 'maxPids'] as const)
    .filter((field) => constraints[field] > ceilings[field])
    .map((field) => ({ path: field, message: `must be at most ${ceilings[field]} on this engine` }));
  if (issues.length === 0) return;
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new InvalidInputError({ message: `Invalid sandbox constraints: ${summary}`, issues });
}

/** The ceilings in force: the configured ones, else what the engine has. */
export async function resolveCeilings(docker: Docker, configured: SandboxCeilings): Promise<Required<SandboxCeilings>> {
  if (configured.maxMemoryMb && configured.maxCpuPercent && configured.maxPids)
    return configured as Required<SandboxCeilings>;
  const info = (await docker.info().catch((error: unknown) => {
    throw toWardenError(error, 'reading engine information');
  })) as { MemTotal?: number; NCPU?: number };
  return {
    maxMemoryMb: configured.maxMemoryMb ?? Math.max(6, Math.floor((info.MemTotal ?? 0) / 1024 / 1024)),
    maxCpuPercent: configured.maxCpuPercent ?? Math.max(1, (info.NCPU ?? 1) * 100),
    maxPids: configured.maxPids ?? 32_768,
  };
}

async function inspectNetwork(docker: Docker, name: string): Promise<{ Internal?: boolean } | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as { Internal?: boolean };
  } catch (error) {
    if (engineStatus(error) === 404) return undefined;
    throw toWardenError(error, `inspecting network "${name}"`);
  }
}

/**
 * Maps a network policy to a Docker network. `egress-only` needs a configured egress proxy on an
 * internal network and `full` needs its network to exist; otherwise the policy is refused with
 * `CapabilityUnsupportedError` — never widened.
 */
export async function planNetwork(
  docker: Docker,
  constraints: EffectiveConstraints,
  settings: ResolvedDockerSandboxSettings,
): Promise<NetworkPlan> {
  if (constraints.networkPolicy === 'none') return { networkMode: 'none', adapterEnv: {} };
  if (constraints.networkPolicy === 'egress-only') {
    const proxy = settings.egressProxy;
    if (proxy === undefined) {
      throw new CapabilityUnsupportedError({
        message:
          "networkPolicy 'egress-only' needs an egress proxy (settings.egressProxy: an internal network and a proxy URL); " +
          "refused rather than widened to 'full'. Use 'none', or configure egressProxy.",
      });
    }
    const network = await inspectNetwork(docker, proxy.network);
    if (network?.Internal !== true) {
      throw new CapabilityUnsupportedError({
        message: `egressProxy.network "${proxy.network}" ${network ? 'is not an internal network' : 'does not exist'}; 'egress-only' refused`,
      });
    }
    const proxyEnv = { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, http_proxy: proxy.url, https_proxy: proxy.url };
    return { networkMode: proxy.network, adapterEnv: { ...proxyEnv, NO_PROXY: '', no_proxy: '' } };
  }
  const full = (await inspectNetwork(docker, settings.fullNetwork)) as { Name?: string; Driver?: string } | undefined;
  if (full === undefined) {
    throw new CapabilityUnsupportedError({
      message: `networkPolicy 'full' needs the Docker network "${settings.fullNetwork}", which this engine does not have (settings.fullNetwork); refused rather than narrowed to 'none'`,
    });
  }
  // Named by id or by name, the host network shares the host's namespace and `none` has no
  // network at all: neither is what 'full' promises.
  if (full.Driver === 'host' || full.Driver === 'null' || full.Name === 'host' || full.Name === 'none') {
    throw new CapabilityUnsupportedError({
      message: `settings.fullNetwork "${settings.fullNetwork}" is the engine's "${full.Name}" network; networkPolicy 'full' needs a bridge-like network`,
    });
  }
  return { networkMode: full.Name ?? settings.fullNetwork, adapterEnv: {} };
}

/**
 * Digest of everything that shapes the container; sandboxes with equal digests are
 * interchangeable. It is a label anyone who can list containers reads, so it covers the names of
 * the `env` variables (also in the constraints label) but never their values: a digest of the
 * values let a reader confirm a guessed secret offline. The values travel with each command, so
 * they do not shape the container either.
 */
export function configurationHash(
  constraints: EffectiveConstraints,
  network: NetworkPlan,
  settings: ResolvedDockerSandboxSettings,
): string {
  const { timeoutMs: _timeoutPerCommand, env, ...containerLevel } = constraints;
  const envNames = Object.keys(env ?? {}).sort();
  return hashConfiguration({
    image: settings.image,
    user: settings.user,
    workdir: settings.workdir,
    tmpSizeMb: settings.tmpSizeMb,
    nofile: settings.nofile,
    fastExec: settings.fastExec,
    runtime: settings.runtime,
    labels: settings.labels,
    constraints: containerLevel,
    envNames,
    network,
  });
}
