/**
 * Shared pieces of the Docker integration tests: the test image, a unique owner per suite (so
 * suites running in parallel never sweep each other's sandboxes), and label lookups.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { SANDBOX_LABELS } from '../src/container/labels.js';

/** The image `scripts/services` builds: FROM scratch, static busybox, nobody (65534). */
export const TEST_IMAGE: string = process.env.WARDEN_SANDBOX_TEST_IMAGE ?? 'warden-sandbox:test';

/** A fresh owner id, so a suite's sweeps and cleanups only ever see its own sandboxes. */
export function uniqueOwner(suite: string): string {
  return `it-${suite}-${randomBytes(4).toString('hex')}`;
}

/** Ids of every container (running or not) labelled with `ownerId`. */
export async function ownedContainerIds(docker: Docker, ownerId: string): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${SANDBOX_LABELS.owner}=${ownerId}`] },
  });
  return containers.map((container) => container.Id).sort();
}

/** Polls `condition` every 100 ms until it holds or `attempts` run out; returns the last answer. */
export async function eventually(condition: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * The runtimes the integration suites run under: `runc`, plus `runsc` (gVisor) when the engine has
 * it registered (`scripts/services` exports `WARDEN_SANDBOX_RUNTIMES`). Under CI both must run:
 * a missing `runsc` fails there instead of shrinking the matrix.
 */
export function sandboxRuntimes(): string[] {
  const listed = (process.env.WARDEN_SANDBOX_RUNTIMES ?? 'runc').split(/[\s,]+/).filter(Boolean);
  const runtimes = ['runc', ...listed.filter((runtime) => runtime !== 'runc')];
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  if (ci && !runtimes.includes('runsc')) runtimes.push('runsc');
  return runtimes;
}
