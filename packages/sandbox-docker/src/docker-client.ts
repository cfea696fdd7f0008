import Docker from 'dockerode';
import { z } from 'zod';

/**
 * The settings fields that name the engine, in every options schema that reaches Docker: an
 * injected dockerode client, or the address to create one for with {@link createDockerClient}.
 */
export const dockerConnectionFields: {
  docker: z.ZodOptional<z.ZodCustom<Docker, Docker>>;
  dockerHost: z.ZodOptional<z.ZodString>;
} = {
  docker: z
    .custom<Docker>((value) => typeof value === 'object' && value !== null, 'must be a dockerode client')
    .optional(),
  dockerHost: z
    .string()
    .regex(/^(unix|tcp|http|https):\/\/\S+$/, 'must be a unix:// or tcp:// address')
    .optional(),
};

/**
 * Creates a dockerode client from `DOCKER_HOST` (a `unix://` socket or `tcp://` address), or the
 * local socket when it is not set. No connection is opened until the first call.
 */
export function createDockerClient(dockerHost: string | undefined = process.env.DOCKER_HOST): Docker {
  if (!dockerHost) return new Docker({ socketPath: '/var/run/docker.sock' });
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol });
}

/** True when the Docker engine answers a ping. Never throws. */
export async function isDockerAvailable(docker: Docker = createDockerClient()): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}
