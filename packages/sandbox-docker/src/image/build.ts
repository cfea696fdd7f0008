/**
 * The sandbox image: checking for it, and building it through the Engine API from an in-memory
 * tar context. The default recipe needs no registry (`FROM scratch` plus a static busybox); a
 * caller can give a base image or a whole Dockerfile instead.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { BackendUnavailableError, InvalidInputError, parseInput } from '@warden/core';
import type Docker from 'dockerode';
import { z } from 'zod';
import { createDockerClient, dockerConnectionFields } from '../docker-client.js';
import { toWardenError } from '../errors.js';
import { DEFAULT_SANDBOX_IMAGE } from '../limits/settings.js';
import { packTar, type TarEntry } from './tar.js';

/** Options of {@link buildSandboxImage}. */
export interface BuildSandboxImageOptions {
  /** A dockerode client to use; never closed. @default a client for `dockerHost` */
  docker?: Docker;
  /** Engine address when no `docker` is given. @default process.env.DOCKER_HOST, else the local socket */
  dockerHost?: string;
  /** Tag of the built image. @default 'warden-sandbox:latest' */
  tag?: string;
  /** A whole Dockerfile to build instead of the default recipe. @default the busybox recipe */
  dockerfile?: string;
  /** Extra files for the build context of `dockerfile`, by relative path. @default {} */
  files?: Record<string, string | Uint8Array>;
  /** Build `FROM` this image (it needs `/bin/sh` and the tools listed in the README) instead of `scratch`. */
  baseImage?: string;
  /** Static busybox binary copied into the default recipe. @default '/bin/busybox' */
  busyboxPath?: string;
}

/** What {@link buildSandboxImage} built. */
export interface BuiltSandboxImage {
  /** The tag given to the image. */
  tag: string;
  /** The image id (`sha256:…`). */
  id: string;
}

// Image references end up in Engine API URLs: no ".." segments, no characters outside the grammar.
const IMAGE_REFERENCE = /^(?!.*\.\.)[a-z0-9][a-z0-9._\-/:@]{0,254}$/i;
const CONTEXT_PATH = z
  .string()
  .regex(/^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,99}$/, 'must be a relative path of at most 100 characters')
  // One spelling per file: the engine extracts the context in order, so "./Dockerfile" (or
  // ".//Dockerfile") replaced the caller's Dockerfile with a context file.
  .refine(
    (path) => path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'),
    'must not contain "..", "." or empty segments',
  );

const optionsSchema = z
  .object({
    ...dockerConnectionFields,
    tag: z.string().regex(IMAGE_REFERENCE, 'must be an image reference').optional(),
    dockerfile: z.string().min(1).max(1_048_576).optional(),
    files: z.record(CONTEXT_PATH, z.union([z.string(), z.instanceof(Uint8Array)])).optional(),
    baseImage: z.string().regex(IMAGE_REFERENCE, 'must be an image reference').optional(),
    busyboxPath: z
      .string()
      .regex(/^\/[^\0]*$/, 'must be an absolute path')
      .optional(),
  })
  .strict()
  .refine((options) => !(options.dockerfile && options.baseImage), 'give either dockerfile or baseImage, not both');

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\n';

const BUSYBOX_RECIPE = `FROM scratch
COPY busybox /bin/busybox
COPY passwd /etc/passwd
COPY group /etc/group
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp /workspace && chmod 1777 /tmp"]
LABEL dev.warden.image="1"
USER 65534:65534
WORKDIR /tmp
`;

function baseImageRecipe(baseImage: string): string {
  return `FROM ${baseImage}
USER 0:0
RUN ["/bin/sh", "-c", "mkdir -p /tmp && chmod 1777 /tmp"]
LABEL dev.warden.image="1"
USER 65534:65534
`;
}

async function defaultContext(busyboxPath: string): Promise<TarEntry[]> {
  let busybox: Buffer;
  try {
    busybox = await readFile(busyboxPath);
  } catch (error) {
    throw new InvalidInputError({
      message: `Invalid image build options: busyboxPath: cannot read ${busyboxPath} (install a static busybox, e.g. Debian's busybox-static)`,
      issues: [{ path: 'busyboxPath', message: 'cannot be read' }],
      cause: error,
    });
  }
  return [
    { name: 'Dockerfile', content: Buffer.from(BUSYBOX_RECIPE) },
    { name: 'busybox', content: busybox, mode: 0o755 },
    { name: 'passwd', content: Buffer.from(PASSWD) },
    { name: 'group', content: Buffer.from(GROUP) },
  ];
}

function customContext(dockerfile: string, files: Record<string, string | Uint8Array>): TarEntry[] {
  const extra = Object.entries(files).map(([name, content]) => ({ name, content: Buffer.from(content) }));
  return [
    { name: 'Dockerfile', content: Buffer.from(dockerfile) },
    ...extra.filter((entry) => entry.name !== 'Dockerfile'),
  ];
}

async function runBuild(docker: Docker, context: Buffer, tag: string): Promise<void> {
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: tag,
    networkmode: 'none',
    rm: true,
    forcerm: true,
  });
  const output = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, result: unknown[]) =>
      error ? reject(error) : resolve(result as never),
    );
  });
  const failure = output.find((item) => item.error !== undefined || item.errorDetail !== undefined);
  if (failure) {
    throw new BackendUnavailableError({
      backend: 'docker',
      message: `Building sandbox image "${tag}" failed: ${failure.errorDetail?.message ?? failure.error}`,
    });
  }
}

/**
 * Builds the sandbox image through the Engine API. With no options: `FROM scratch` plus the
 * host's static busybox, a `nobody` user (65534) and a `/tmp` of mode 1777, tagged
 * `warden-sandbox:latest`. No registry is contacted for the default recipe.
 */
export async function buildSandboxImage(options: BuildSandboxImageOptions = {}): Promise<BuiltSandboxImage> {
  const parsed = parseInput(optionsSchema, options, 'image build options');
  const docker = parsed.docker ?? createDockerClient(parsed.dockerHost);
  const tag = parsed.tag ?? DEFAULT_SANDBOX_IMAGE;
  const entries = parsed.dockerfile
    ? customContext(parsed.dockerfile, parsed.files ?? {})
    : parsed.baseImage
      ? [{ name: 'Dockerfile', content: Buffer.from(baseImageRecipe(parsed.baseImage)) }]
      : await defaultContext(parsed.busyboxPath ?? '/bin/busybox');
  try {
    await runBuild(docker, packTar(entries), tag);
    return { tag, id: (await docker.getImage(tag).inspect()).Id };
  } catch (error) {
    throw toWardenError(error, `building sandbox image "${tag}"`);
  }
}

/** True when `image` is on the engine. Never throws: an unreachable engine answers false. */
export async function isSandboxImageAvailable(
  image: string = DEFAULT_SANDBOX_IMAGE,
  docker: Docker = createDockerClient(),
): Promise<boolean> {
  if (!IMAGE_REFERENCE.test(image)) return false;
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}
