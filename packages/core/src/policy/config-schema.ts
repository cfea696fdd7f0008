/**
 * `SecurityConfig`: the versioned, zod-validated policy document an operator writes (who may
 * reach which session, with which capabilities, tools, sandbox and rate limits, and which
 * sessions are gateways).
 *
 * @module
 */
import { z } from 'zod';
import { type Capability, isCapabilityName } from '../capabilities.js';
import { ownDataCopy } from '../own-data.js';
import type { NetworkPolicy } from '../ports/sandbox.js';
import { isInjectionSourceType } from '../sources.js';
import { isTrustLevel, type TrustLevel } from '../trust.js';

/** How checks are enforced: `off` allows everything, `warn` allows but reports, `enforce` denies. */
export type EnforcementMode = 'off' | 'warn' | 'enforce';

/**
 * Who may reach a session: `*`, `trust:<level>` (that level or higher), `type:<sourceType>`,
 * `p2p:<publicKey>`, or `session:<gateway>` (requests forwarded by that gateway; `*` and `?` globs allowed).
 */
export type AccessPattern = string;

/** Sandbox settings; every field a layer leaves out keeps the value from the layer before. */
export interface SandboxConfig {
  /** Run the source's code in a sandbox. */
  enabled: boolean;
  /** Network access inside the sandbox. */
  networkPolicy?: NetworkPolicy;
  /** Memory limit in MiB. */
  maxMemoryMb?: number;
  /** CPU share in percent of one core. */
  maxCpuPercent?: number;
  /** Maximum number of processes. */
  maxPids?: number;
  /** Wall-clock limit per command in milliseconds. */
  timeoutMs?: number;
  /** Absolute host paths mounted read-only. */
  allowedPaths?: string[];
  /** Absolute host paths mounted read-write. */
  writablePaths?: string[];
}

/** Tool names or globs (`*`, `?`) a layer allows or denies. Deny lists add up across layers; deny wins. */
export interface ToolPolicy {
  /** When set, only tools matching one of these may be used (the most specific layer's list applies). */
  allow?: string[];
  /** Tools that may never be used; unioned across every layer. */
  deny?: string[];
}

/** Requests per window. */
export interface RateLimitConfig {
  /** Requests per minute. */
  perMinute?: number;
  /** Requests per hour. */
  perHour?: number;
}

/** One layer of policy (`defaults`, a trust level, a session); the WOPR seed calls it `SecurityPolicy`. */
export interface SecurityPolicy {
  /** Replaces the capabilities granted by earlier layers (the most specific layer that sets it wins). */
  capabilities?: Capability[];
  /** Capabilities removed whatever grants them; unioned across layers; `"a.*"` removes `a` and all `a.…`. */
  denyCapabilities?: Capability[];
  /** Sandbox fields overriding earlier layers. */
  sandbox?: Partial<SandboxConfig>;
  /** Tool allow and deny lists. */
  tools?: ToolPolicy;
  /** Rate limit fields overriding earlier layers. */
  rateLimit?: RateLimitConfig;
}

/** What a gateway session may forward, and how. */
export interface GatewayForwardRules {
  /** Sessions (names or `*`/`?` globs) this gateway may forward to. */
  allowForwardTo: string[];
  /** Action types it may forward; absent means any action type. */
  allowActions?: string[];
  /** Forwarded requests wait for an approval first. */
  requireApproval: boolean;
  /** Forwarding rate limit for this gateway. */
  rateLimit?: RateLimitConfig;
}

/** Per-session configuration: a policy layer plus who may reach the session and its gateway rules. */
export interface SessionConfig extends SecurityPolicy {
  /** Human-readable description. */
  description?: string;
  /** Who may inject into this session; an empty list admits only owners. Absent: `defaultAccess`. */
  access?: AccessPattern[];
  /** Present when the session is a gateway: what it may forward. */
  gateway?: GatewayForwardRules;
}

/** The whole security configuration, after validation and defaults. */
export interface SecurityConfig {
  /** Format version of this document. */
  version: 1;
  /** How checks are enforced. */
  enforcement: EnforcementMode;
  /** No source below this level reaches a session, unless the session's `access` names it explicitly. */
  minTrustLevel: TrustLevel;
  /** Access patterns for sessions without their own `access`. */
  defaultAccess: AccessPattern[];
  /** What happens to a tool with no capability mapping. */
  unmappedTools: 'deny' | 'allow';
  /** Tool name → the capability it needs; overrides the registry's mappings. */
  toolCapabilities: Record<string, Capability>;
  /** Policy applied to every source. */
  defaults: SecurityPolicy;
  /** Policy per trust level. */
  trustLevels: Partial<Record<TrustLevel, SecurityPolicy>>;
  /** Policy and access per session name. */
  sessions: Record<string, SessionConfig>;
}

/** A gateway's rules as written: `requireApproval` defaults to `false`. */
export type GatewayForwardRulesInput = Omit<GatewayForwardRules, 'requireApproval'> & { requireApproval?: boolean };

/** A session as written. */
export type SessionConfigInput = Omit<SessionConfig, 'gateway'> & { gateway?: GatewayForwardRulesInput };

/** A configuration as written: every top-level field is optional and takes its default. */
export interface SecurityConfigInput extends Partial<Omit<SecurityConfig, 'sessions'>> {
  /** Policy and access per session name. */
  sessions?: Record<string, SessionConfigInput>;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const nameSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((name) => !FORBIDDEN_KEYS.has(name), 'is a reserved name')
  .refine((name) => !/[\s\0]/.test(name), 'must not contain whitespace or NUL');

const capabilitySchema = z.string().refine(isCapabilityName, 'must be a capability name such as "inject.tools"');

const trustLevelSchema = z.enum(['owner', 'trusted', 'semi-trusted', 'untrusted']);

const positiveInt = (max: number) => z.number().int().min(1).max(max);

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//, 'must be an absolute path')
  .refine((path) => !path.includes('\0') && !path.split('/').includes('..'), 'must not contain NUL or ".."');

const sandboxSchema = z
  .object({
    enabled: z.boolean().optional(),
    networkPolicy: z.enum(['none', 'egress-only', 'full']).optional(),
    maxMemoryMb: z.number().int().min(6).max(1_048_576).optional(),
    maxCpuPercent: z.number().min(1).max(12_800).optional(),
    maxPids: positiveInt(1_000_000).optional(),
    timeoutMs: positiveInt(86_400_000).optional(),
    allowedPaths: z.array(absolutePath).max(64).optional(),
    writablePaths: z.array(absolutePath).max(64).optional(),
  })
  .strict();

const rateLimitSchema = z
  .object({ perMinute: positiveInt(1_000_000).optional(), perHour: positiveInt(100_000_000).optional() })
  .strict();

const toolPolicySchema = z
  .object({ allow: z.array(nameSchema).max(1024).optional(), deny: z.array(nameSchema).max(1024).optional() })
  .strict();

const layerShape = {
  capabilities: z.array(capabilitySchema).max(1024).optional(),
  denyCapabilities: z.array(capabilitySchema).max(1024).optional(),
  sandbox: sandboxSchema.optional(),
  tools: toolPolicySchema.optional(),
  rateLimit: rateLimitSchema.optional(),
};

const layerSchema = z.object(layerShape).strict();

/** Checks one access pattern; returns what is wrong with it, or `undefined`. */
function accessPatternProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const colon = pattern.indexOf(':');
  const kind = colon > 0 ? pattern.slice(0, colon) : '';
  const value = pattern.slice(colon + 1);
  if (colon < 0 || value.length === 0) return 'must be "*" or "<kind>:<value>"';
  if (kind === 'trust') return isTrustLevel(value) ? undefined : `unknown trust level "${value}"`;
  if (kind === 'type') return isInjectionSourceType(value) ? undefined : `unknown source type "${value}"`;
  if (kind === 'p2p' || kind === 'session') return undefined;
  return `unknown access pattern kind "${kind}" (expected trust, type, p2p or session)`;
}

const accessPatternSchema = z
  .string()
  .max(1024)
  .superRefine((pattern, context) => {
    const problem = accessPatternProblem(pattern);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

const gatewaySchema = z
  .object({
    allowForwardTo: z.array(nameSchema).max(1024),
    allowActions: z.array(nameSchema).max(1024).optional(),
    requireApproval: z.boolean().default(false),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict();

const sessionSchema = z
  .object({
    ...layerShape,
    description: z.string().max(4096).optional(),
    access: z.array(accessPatternSchema).max(1024).optional(),
    gateway: gatewaySchema.optional(),
  })
  .strict();

const configObjectSchema = z
  .object({
    version: z.literal(1).default(1),
    enforcement: z.enum(['off', 'warn', 'enforce']).default('enforce'),
    minTrustLevel: trustLevelSchema.default('untrusted'),
    defaultAccess: z.array(accessPatternSchema).max(1024).default(['trust:trusted']),
    unmappedTools: z.enum(['deny', 'allow']).default('deny'),
    toolCapabilities: z.record(nameSchema, capabilitySchema).default({}),
    defaults: layerSchema.default({}),
    trustLevels: z.partialRecord(trustLevelSchema, layerSchema).default({}),
    sessions: z.record(nameSchema, sessionSchema).default({}),
  })
  .strict();

/**
 * Validates a {@link SecurityConfigInput} and fills in defaults, producing a {@link SecurityConfig}.
 * It reads the input's own properties only, and every object in what it produces has a `null`
 * prototype: with `Object.prototype.capabilities` (or `enforcement`,
 * `unmappedTools`, `allow`, …) polluted by some other library, a layer that never set the field
 * neither parses nor later reads as having it.
 */
export const securityConfigSchema: z.ZodType<SecurityConfig, SecurityConfigInput> = z
  .preprocess((input: SecurityConfigInput) => ownDataCopy(input), configObjectSchema)
  .transform(ownDataCopy);

/** The configuration used when none is stored: enforce, trusted and above reach sessions, unmapped tools denied. */
export const DEFAULT_SECURITY_CONFIG: SecurityConfig = deepFreeze(securityConfigSchema.parse({}));

/** Freezes an object graph, so a configuration shared between engines cannot be changed in place. */
export function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
