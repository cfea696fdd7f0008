/**
 * `@warden/sandbox-docker`: `Sandbox` on a Docker engine, hardened by default.
 *
 * @packageDocumentation
 */
export { createDockerClient, isDockerAvailable } from './docker-client.js';
