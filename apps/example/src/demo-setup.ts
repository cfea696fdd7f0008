import { randomBytes } from 'node:crypto';
import { type HostConfig, parseHostConfig, withEnvironment } from './config.js';
import { createPeerKeys } from './host-client.js';
import type { ScenarioActors } from './scenario.js';
import { sha256Hex } from './source-identification.js';

/** Fresh identities for one run of the scenario: an operator token and two peer key pairs. */
export function createDemoActors(): ScenarioActors {
  return {
    operator: { kind: 'operator', name: 'alice', token: randomBytes(24).toString('base64url') },
    trustedPeer: { kind: 'peer', name: 'build-peer (trusted)', keys: createPeerKeys() },
    discoveredPeer: { kind: 'peer', name: 'stranger (discovered)', keys: createPeerKeys() },
  };
}

/**
 * The scenario's configuration: its operator and trusted peer, a free port on loopback, and keys
 * of its own in Redis (kill switch `example-demo`, approvals and rate limits under
 * `warden:example-demo:`). `sections` replace whole top-level sections (tests pick backends so);
 * the environment fills in the rest, so `DOCKER_HOST` and `REDIS_URL` switch to the real backends.
 */
export function demoConfig(
  actors: ScenarioActors,
  options: { auditLog: string; env?: NodeJS.ProcessEnv; sections?: Record<string, unknown> },
): HostConfig {
  const raw: Record<string, unknown> = {
    server: { host: '127.0.0.1', port: 0 },
    auditLog: options.auditLog,
    operators: [{ name: actors.operator.name, tokenSha256: sha256Hex(actors.operator.token) }],
    peers: [{ name: 'build-peer', publicKey: actors.trustedPeer.keys.publicKey, trustLevel: 'trusted' }],
    killSwitch: { name: 'example-demo' },
    approvals: { prefix: 'warden:example-demo:approvals:' },
    rateLimiter: { prefix: 'warden:example-demo:rate:' },
    ...options.sections,
  };
  return parseHostConfig(withEnvironment(raw, options.env ?? process.env));
}
