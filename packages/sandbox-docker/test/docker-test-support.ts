/**
 * Shared pieces of the Docker integration tests: the test image, a unique owner per suite (so
 * suites running in parallel never sweep each other's sandboxes), and label lookups.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { SANDBOX_LABELS } from '../src/container/labels.js';
import { buildSandboxImage } from '../src/image/build.js';

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

/**
 * Builds (once per engine) an image like Debian's and Ubuntu's, whose `/bin/sh` is dash: the
 * test image plus the host's `/bin/dash` and the shared libraries `ldd` names for it. Busybox's
 * shell prefers its own applets and has `read -n`; dash looks every tool up on `PATH` and has
 * only POSIX `read`, so attacks on either show only under dash.
 */
export async function buildDashImage(docker: Docker): Promise<string> {
  return buildShellImage(docker, { shell: 'dash', tag: 'warden-sandbox-dash:test' });
}

/**
 * Builds the test image with the host's `shell` (`dash`, `bash`: shells that look every tool up
 * on `PATH`, unlike busybox's) as `/bin/sh`, plus the shared libraries `ldd` names for it, and
 * optionally the image's own `PATH`.
 */
export async function buildShellImage(
  docker: Docker,
  { shell, tag, path }: { shell: 'dash' | 'bash'; tag: string; path?: string },
): Promise<string> {
  const binary = `/bin/${shell}`;
  const libraries = execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+)\s+\(0x/.exec(line)?.[1])
    .filter((library): library is string => library !== undefined);
  const files: Record<string, Uint8Array> = { [`rootfs${binary}`]: readFileSync(binary) };
  for (const library of libraries) files[`rootfs${library}`] = readFileSync(library);
  const executables = [binary, ...libraries].map((file) => JSON.stringify(file)).join(', ');
  await buildSandboxImage({
    docker,
    tag,
    dockerfile: [
      `FROM ${TEST_IMAGE}`,
      'USER 0:0',
      'COPY rootfs/ /',
      `RUN ["/bin/busybox", "chmod", "755", ${executables}]`,
      `RUN ["/bin/busybox", "ln", "-sf", ${JSON.stringify(binary)}, "/bin/sh"]`,
      ...(path === undefined ? [] : [`ENV PATH=${path}`]),
      '',
    ].join('\n'),
    files,
  });
  return tag;
}
