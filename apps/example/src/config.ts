import { readFileSync } from 'node:fs';
import {
  InvalidInputError,
  isCapabilityName,
  parseInput,
  parseTtl,
  refuseRepeatedJsonKeys,
  type SecretStore,
  type SecurityConfigInput,
  securityConfigSchema,
} from '@warden/core';
import { createEnvSecretStore } from '@warden/secrets-env';
import { z } from 'zod';
import { DEFAULT_AGENTS, DEFAULT_HOST_POLICY, DEFAULT_TOOLBOX } from './default-policy.js';
import { loadEd25519PublicKey } from './peer-signature.js';
import { sha256Hex } from './source-identification.js';

/** The environment variable naming the configuration file. */
const CONFIG_PATH_ENV = 'WARDEN_EXAMPLE_CONFIG';

const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"');
const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lowercase hex');
const nonOwnerTrust = z.enum(['trusted', 'semi-trusted', 'untrusted']);
const redisUrlSchema = z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL');
const ttlSchema = z.union([z.string(), z.number()]).refine((ttl) => {
  try {
    parseTtl(ttl);
    return true;
  } catch {
    return false;
  }
}, 'must be a positive duration such as "90s", "15m", "1h" or milliseconds');
const capabilitySchema = z.string().refine(isCapabilityName, 'must be a capability name such as "inject.exec"');
const toolSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be a tool name');

const grantSchema = z
  .object({
    session: nameSchema,
    capabilities: z.array(capabilitySchema).min(1).max(64),
    delegatable: z.boolean().default(true),
  })
  .strict();

const serverSchema = z
  .object({
    host: z.string().min(1).max(255).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8787),
    bodyLimitBytes: z.number().int().min(1024).max(10_485_760).default(65_536),
    // Host names the console at /console answers to besides the address it is reached on
    // (`@warden/console`'s `allowedHosts`: any other name is DNS rebinding and refused).
    consoleAllowedHosts: z.array(z.string().min(1).max(255)).max(100).default([]),
  })
  .strict();

const sandboxSchema = z
  .object({
    backend: z.enum(['auto', 'stub', 'docker']).default('auto'),
    dockerHost: z
      .string()
      .regex(/^(unix|tcp):\/\/\S+$/, 'must be a unix:// or tcp:// address')
      .optional(),
    image: z.string().min(1).max(255).optional(),
    ownerId: nameSchema.default('warden-example'),
    egressProxy: z
      .object({ network: z.string().min(1).max(255), url: z.string().url() })
      .strict()
      .optional(),
    maxOutputBytes: z.number().int().min(1024).max(10_485_760).default(65_536),
  })
  .strict();

const killSwitchSchema = z
  .object({
    backend: z.enum(['auto', 'stub', 'redis']).default('auto'),
    url: redisUrlSchema.optional(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be letters, digits, ".", "_" or "-"')
      .default('global'),
    keyPrefix: z.string().max(100).optional(),
    staleAfterMs: z.number().int().min(50).max(600_000).optional(),
    refreshIntervalMs: z.number().int().min(10).max(600_000).optional(),
  })
  .strict();

const redisStoreSchema = (backends: readonly [string, ...string[]]) =>
  z
    .object({
      backend: z.enum(['auto', ...backends]).default('auto'),
      url: redisUrlSchema.optional(),
      prefix: z.string().max(100).optional(),
    })
    .strict();

const approvalsSchema = redisStoreSchema(['memory', 'redis']).extend({ ttl: ttlSchema.default('24h') });

const credentialsSchema = z
  .object({
    scope: z
      .array(z.string().regex(/^[\x21-\x7e]{1,200}$/, 'must be printable without spaces'))
      .min(1)
      .max(100)
      .default(['contents:read']),
    ttl: ttlSchema.default('5m'),
  })
  .strict();

const queueBound = z.number().int().min(1).max(1_000_000);
/** The gateway's approval queue bounds (see `GatewayQueueLimits` in `@warden/gateway`). */
const gatewayQueueSchema = z
  .object({
    maxPending: queueBound.default(1_000),
    maxPendingPerGateway: queueBound.default(500),
    maxPendingPerSource: queueBound.default(20),
    maxMessageBytes: queueBound.default(65_536),
    perSourcePerMinute: queueBound.default(30),
  })
  .strict();

const securitySchema = securityConfigSchema as unknown as z.ZodType<unknown, SecurityConfigInput>;

/** The host's configuration file: identities, agents, the security policy and the backends. */
const hostConfigSchema = z
  .object({
    server: serverSchema.prefault({}),
    auditLog: z.string().min(1).max(4096).default('warden-audit'),
    operators: z
      .array(z.object({ name: nameSchema, tokenSha256: sha256Schema }).strict())
      .max(100)
      .default([]),
    apiKeys: z
      .array(z.object({ id: nameSchema, keySha256: sha256Schema, trustLevel: nonOwnerTrust }).strict())
      .max(1000)
      .default([]),
    peers: z
      .array(
        z
          .object({
            name: nameSchema.optional(),
            publicKey: z
              .string()
              .refine(
                (key) => loadEd25519PublicKey(key) !== undefined,
                'must be a base64 SPKI Ed25519 key, as exported',
              ),
            trustLevel: nonOwnerTrust,
          })
          .strict(),
      )
      .max(10_000)
      .default([]),
    peerSignatureWindowMs: z.number().int().min(1000).max(3_600_000).default(300_000),
    agents: z.record(nameSchema, z.object({ grants: z.array(grantSchema).max(100) }).strict()).default(DEFAULT_AGENTS),
    maxDelegationDepth: z.number().int().min(0).max(16).default(2),
    maxDelegationTtl: ttlSchema.default('1h'),
    toolbox: z
      .array(toolSchema)
      .max(1024)
      .default([...DEFAULT_TOOLBOX]),
    security: securitySchema.optional(),
    sandbox: sandboxSchema.prefault({}),
    killSwitch: killSwitchSchema.prefault({}),
    approvals: approvalsSchema.prefault({}),
    rateLimiter: redisStoreSchema(['memory', 'redis']).prefault({}),
    gatewayQueue: gatewayQueueSchema.prefault({}),
    credentials: credentialsSchema.prefault({}),
  })
  .strict()
  .superRefine((config, context) => {
    for (const part of ['killSwitch', 'approvals', 'rateLimiter'] as const) {
      if (config[part].backend === 'redis' && config[part].url === undefined) {
        context.addIssue({
          code: 'custom',
          path: [part, 'url'],
          message: 'is required for the redis backend (or set REDIS_URL)',
        });
      }
    }
  });

/** A validated configuration with every default filled in. */
export type HostConfig = Omit<z.output<typeof hostConfigSchema>, 'security'> & { security: SecurityConfigInput };

/** Which implementation serves each port. */
export interface BackendChoice {
  /** Where code runs. */
  sandbox: 'stub' | 'docker';
  /** Where the kill switch lives. */
  killSwitch: 'stub' | 'redis';
  /** Where approval requests live. */
  approvals: 'memory' | 'redis';
  /** Where gateway rate limits are counted. */
  rateLimiter: 'memory' | 'redis';
}

/**
 * Validates a configuration (an object, as read from the file) and fills in the defaults. The
 * security policy is validated by core's `securityConfigSchema`; the default is
 * {@link DEFAULT_HOST_POLICY}.
 *
 * @throws `InvalidInputError` naming every field at fault.
 */
export function parseHostConfig(input: unknown): HostConfig {
  const parsed = parseInput(hostConfigSchema, input ?? {}, 'host configuration');
  return { ...parsed, security: (input as { security?: SecurityConfigInput })?.security ?? DEFAULT_HOST_POLICY };
}

/** The backends a configuration asks for: `auto` means Docker or Redis when an address is configured. */
export function chooseBackends(config: HostConfig): BackendChoice {
  const pick = <Kind extends string>(backend: string, configured: boolean, real: Kind, embedded: Kind): Kind =>
    backend === 'auto' ? (configured ? real : embedded) : (backend as Kind);
  return {
    sandbox: pick(config.sandbox.backend, config.sandbox.dockerHost !== undefined, 'docker', 'stub'),
    killSwitch: pick(config.killSwitch.backend, config.killSwitch.url !== undefined, 'redis', 'stub'),
    approvals: pick(config.approvals.backend, config.approvals.url !== undefined, 'redis', 'memory'),
    rateLimiter: pick(config.rateLimiter.backend, config.rateLimiter.url !== undefined, 'redis', 'memory'),
  };
}

/**
 * Reads the configuration: the JSON file named by `path` or `WARDEN_EXAMPLE_CONFIG` (none: every
 * default); then the environment fills in what the file leaves out (see the README), and the
 * operator token comes from the secret store (`operator-token`: by default `WARDEN_OPERATOR_TOKEN`
 * through `@warden/secrets-env`); only its digest is kept.
 *
 * @throws `InvalidInputError` when the file cannot be read or parsed, or the result is invalid.
 */
export async function loadHostConfig(
  options: { path?: string; env?: NodeJS.ProcessEnv; secrets?: SecretStore } = {},
): Promise<HostConfig> {
  const env = options.env ?? process.env;
  const path = options.path ?? env[CONFIG_PATH_ENV];
  const raw = withEnvironment(path ? readConfigFile(path) : {}, env);
  const secrets = options.secrets ?? createEnvSecretStore({ prefix: 'WARDEN_', env });
  const operatorToken = await secrets.get('operator-token');
  if (operatorToken !== undefined) {
    const operator = { name: env.WARDEN_OPERATOR_NAME || 'operator', tokenSha256: sha256Hex(operatorToken) };
    raw.operators = [...((raw.operators as unknown[] | undefined) ?? []), operator];
  }
  return parseHostConfig(raw);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidInputError({ message: `Cannot read the configuration file ${path} (${reason})`, cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError({ message: `The configuration file ${path} is not valid JSON`, cause: error });
  }
  refuseRepeatedJsonKeys(text, `The configuration file ${path}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError({ message: `The configuration file ${path} must hold a JSON object` });
  }
  return value as Record<string, unknown>;
}

type Section = Record<string, unknown>;

/** Copies `raw` and fills the fields the file left out from the environment (secrets aside). */
export function withEnvironment(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const config: Record<string, unknown> = { ...raw };
  const section = (name: string): Section => {
    const value = { ...((config[name] as Section | undefined) ?? {}) };
    config[name] = value;
    return value;
  };
  const fill = (target: Section, field: string, value: unknown) => {
    if (value !== undefined && value !== '' && target[field] === undefined) target[field] = value;
  };
  const server = section('server');
  fill(server, 'host', env.WARDEN_HOST);
  fill(server, 'port', env.WARDEN_PORT === undefined ? undefined : Number(env.WARDEN_PORT));
  fill(config, 'auditLog', env.WARDEN_AUDIT_LOG);
  const sandbox = section('sandbox');
  fill(sandbox, 'dockerHost', env.DOCKER_HOST);
  fill(sandbox, 'image', env.WARDEN_SANDBOX_IMAGE || env.WARDEN_SANDBOX_TEST_IMAGE);
  for (const name of ['killSwitch', 'approvals', 'rateLimiter']) fill(section(name), 'url', env.REDIS_URL);
  return config;
}
