/**
 * What the adapter reads from the engine once per instance and checks against: the limit
 * ceilings (its memory and CPUs) and its data root, with the host paths of a sandbox resolved
 * against them.
 *
 * @module
 */
import type { SandboxConstraints } from '@warden/core';
import type Docker from 'dockerode';
import { toWardenError } from '../errors.js';
import { findEngineSockets, type ResolvedMount, resolveMounts } from './paths.js';
import { resolveCeilings } from './plan.js';
import type { ResolvedDockerSandboxSettings } from './settings.js';

/** The engine's ceilings and data root, each read once (again after a failed read). */
export class EngineFacts {
  private ceilingsRead: ReturnType<typeof resolveCeilings> | undefined;
  private dataRootsRead: Promise<string[]> | undefined;

  /** Reads nothing yet. */
  constructor(
    private readonly docker: Docker,
    private readonly settings: ResolvedDockerSandboxSettings,
  ) {}

  /** The configured ceilings, filled in from the engine's memory and CPUs. */
  ceilings(): ReturnType<typeof resolveCeilings> {
    this.ceilingsRead ??= resolveCeilings(this.docker, this.settings.ceilings).catch((error: unknown) => {
      this.ceilingsRead = undefined;
      throw error;
    });
    return this.ceilingsRead;
  }

  /** Resolves and checks the constraints' host paths against this engine's socket and data root. */
  async resolveMounts(constraints: SandboxConstraints): Promise<ResolvedMount[]> {
    const sockets = findEngineSockets(this.docker, this.settings.dockerHost);
    // Checked without the engine first, so a refused path is INVALID_INPUT before any engine call.
    const mounts = resolveMounts(constraints, sockets, this.settings.symlinkRoots);
    if (mounts.length === 0) return mounts;
    return resolveMounts(constraints, sockets, this.settings.symlinkRoots, await this.dataRoots());
  }

  /**
   * The engine's data root (`DockerRootDir`), read once: with `--data-root` it may be anywhere,
   * and it holds every image layer, container and volume as much as `/var/lib/docker` does.
   */
  private dataRoots(): Promise<string[]> {
    this.dataRootsRead ??= this.docker.info().then(
      (info: { DockerRootDir?: unknown }) =>
        typeof info.DockerRootDir === 'string' && info.DockerRootDir.startsWith('/') ? [info.DockerRootDir] : [],
      (error: unknown) => {
        this.dataRootsRead = undefined;
        throw toWardenError(error, 'reading engine information');
      },
    );
    return this.dataRootsRead;
  }
}
