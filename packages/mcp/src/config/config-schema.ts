/**
 * The `warden-mcp.json` document: core's `SecurityConfig`, the upstream servers, the callers,
 * per-tool argument rules and approval tiers, tool pins and the backends.
 *
 * @module
 */
import { type SecurityConfig, type SecurityConfigInput, securityConfigSchema } from '@warden/core';
import { z } from 'zod';

/** One rule on one argument value (addressed by a dotted path into the arguments). */
export type ArgumentRule =
  | {
      /** A filesystem path confined to `roots` after normalisation (`..`, percent-encoding, symlinks). */
      kind: 'path';
      /** Absolute directories the path must stay inside. */
      roots: string[];
      /** Also accept `file://` URIs. @default true */
      allowFileUri?: boolean;
    }
  | {
      /** A URL whose host must be on `hosts` (exact, or `*.example.com` for subdomains). */
      kind: 'url';
      /** Allowed hosts. */
      hosts: string[];
      /** Allowed schemes. @default ["https"] */
      schemes?: string[];
    }
  | {
      /** One of a fixed set of values. */
      kind: 'enum';
      /** The allowed values (compared as JSON). */
      values: Array<string | number | boolean | null>;
    }
  | {
      /** A size limit on the value's JSON encoding, in bytes. */
      kind: 'size';
      /** Largest accepted encoding, in bytes. */
      maxBytes: number;
    }
  | {
      /** The argument must be absent. */
      kind: 'forbidden';
    };

/** What Warden enforces on one tool (the key is `<upstream>/<tool>`, `*` and `?` globs allowed). */
export interface ToolRuleConfig {
  /** Rules per argument, keyed by a dotted path (`path`, `options.url`, `paths.*` for every array item). */
  arguments?: Record<string, ArgumentRule>;
  /** The arguments must validate against the input schema the tool declared. @default true */
  matchInputSchema?: boolean;
  /** Largest accepted JSON encoding of all arguments together, in bytes. */
  maxArgumentsBytes?: number;
  /** The approval tier a call needs (`auto` needs none). @default "auto" */
  approval?: 'auto' | 'peer-review' | 'team-lead' | 'security-review';
}

/** An upstream MCP server: a command run over stdio, or a Streamable HTTP URL. */
export type UpstreamConfig =
  | {
      /** argv of the server (run without a shell). */
      command: string[];
      /** Extra environment variables for it. */
      env?: Record<string, string>;
      /** Working directory. */
      cwd?: string;
    }
  | {
      /** The server's Streamable HTTP endpoint. */
      url: string;
      /** Extra headers (for example its own credentials). */
      headers?: Record<string, string>;
    };

/** A caller: the injection source its requests carry into policy, and how it authenticates over HTTP. */
export interface CallerConfig {
  /** Source type. @default "api" */
  type?: 'cli' | 'daemon' | 'plugin' | 'cron' | 'api' | 'gateway' | 'internal' | 'p2p' | 'p2p-discovery';
  /** Trust level; defaults to the type's default trust. */
  trustLevel?: 'owner' | 'trusted' | 'semi-trusted' | 'untrusted';
  /** SHA-256 digests (`sha256:<hex>`) of the bearer tokens that identify this caller over HTTP. */
  tokenDigests?: string[];
  /** OAuth `sub` claims that map to this caller. */
  subjects?: string[];
}

/** The whole `warden-mcp.json`, as written. */
export interface WardenMcpConfigInput {
  /** JSON Schema reference, ignored. */
  $schema?: string;
  /** Format version. */
  version?: 1;
  /** Core policy: sessions are upstream names, tools are the upstream's tool names. */
  security?: SecurityConfigInput;
  /** Upstream servers by name. */
  upstreams: Record<string, UpstreamConfig>;
  /** Callers by name. */
  callers?: Record<string, CallerConfig>;
  /** The caller of stdio mode and of in-process calls that name none. @default "local" */
  defaultCaller?: string;
  /** Rules per tool (`<upstream>/<tool>` or a glob); every matching rule applies. */
  tools?: Record<string, ToolRuleConfig>;
  /** Resource URIs callers may list and read (globs); absent means none. */
  resources?: { allow?: string[]; deny?: string[] };
  /** Prompts callers may list and get (`<upstream>/<prompt>` globs); absent means none. */
  prompts?: { allow?: string[]; deny?: string[] };
  /** Tool pinning. */
  pinning?: {
    /** `enforce` hides and refuses unpinned or changed tools; `off` does not pin. @default "enforce" */
    mode?: 'enforce' | 'off';
    /** Pin every tool seen in the first listing of an upstream (trust on first use). @default false */
    trustOnFirstUse?: boolean;
    /** Approved definitions: `<upstream>/<tool>` → `sha256:` digest. */
    pins?: Record<string, string>;
  };
  /** Approval holds. */
  approvals?: {
    /** How long a held call waits for a decision, in milliseconds. @default 600000 */
    ttlMs?: number;
    /** Base URL of the operator page where a held call is approved (`{id}` is replaced). */
    url?: string;
  };
  /** Backends. @default stubs in memory */
  backends?: {
    /** Redis URL shared by the kill switch and the approval store when set. */
    redisUrl?: string;
    /** Redis key prefix. @default "warden:" */
    keyPrefix?: string;
    /** Command timeout towards Redis, in milliseconds. @default 1000 */
    commandTimeoutMs?: number;
    /**
     * How old the kill switch's local copy may get while Redis does not answer before every
     * message is refused, in milliseconds. @default 2000
     */
    staleAfterMs?: number;
  };
  /** HTTP gateway. */
  http?: {
    /** Address to listen on. @default "127.0.0.1" */
    host?: string;
    /** Port. @default 8787 */
    port?: number;
    /** Upstream served by the gateway (one per gateway for now). */
    upstream?: string;
    /**
     * How many sessions one caller may hold on one upstream; opening one more ends that caller's
     * least recently used session (never another caller's). @default 1000
     */
    maxSessionsPerCaller?: number;
    /** OAuth 2.1 resource-server validation of JWT access tokens. */
    oauth?: {
      /** Expected `iss`. */
      issuer: string;
      /** Expected `aud` (this gateway's resource URL). */
      audience: string;
      /** A JWKS URL, or */
      jwksUrl?: string;
      /** a PEM public key (SPKI). */
      publicKeyPem?: string;
      /** Allowed clock skew, in milliseconds. @default 30000 */
      clockToleranceMs?: number;
    };
  };
  /** Limits. */
  limits?: {
    /** Largest accepted JSON-RPC message, in bytes. @default 4194304 */
    maxMessageBytes?: number;
    /** How long an upstream may take to answer, in milliseconds. @default 60000 */
    requestTimeoutMs?: number;
  };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * True for a JWKS URL whose keys an attacker on the network cannot swap: whoever can answer an
 * http fetch of the keys signs any access token they like.
 */
function isTrustedKeyUrl(value: string): boolean {
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(url.hostname);
}
const name = z
  .string()
  .min(1)
  .max(256)
  .refine((value) => !FORBIDDEN_KEYS.has(value), 'is a reserved name')
  .refine((value) => !/[\s\0/]/.test(value), 'must not contain whitespace, "/" or NUL');
const toolKey = z
  .string()
  .min(1)
  .max(512)
  .refine((value) => !FORBIDDEN_KEYS.has(value), 'is a reserved name')
  .refine((value) => value.includes('/') || value === '*', 'must be "<upstream>/<tool>" (globs allowed)');
const absolute = z.string().min(1).max(4096).regex(/^\//, 'must be an absolute path');
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits');
const globList = z.array(z.string().min(1).max(2048)).max(1024);

const argumentRuleSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('path'), roots: z.array(absolute).min(1).max(64), allowFileUri: z.boolean().optional() })
    .strict(),
  z
    .object({
      kind: z.literal('url'),
      hosts: z.array(z.string().min(1).max(253)).min(1).max(1024),
      schemes: z.array(z.string().regex(/^[a-z][a-z0-9+.-]*$/)).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('enum'),
      values: z
        .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
        .min(1)
        .max(10_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal('size'),
      maxBytes: z
        .number()
        .int()
        .min(0)
        .max(1 << 30),
    })
    .strict(),
  z.object({ kind: z.literal('forbidden') }).strict(),
]);

const tierSchema = z.enum(['auto', 'peer-review', 'team-lead', 'security-review']);

const toolRuleSchema = z
  .object({
    arguments: z.record(z.string().min(1).max(512), argumentRuleSchema).optional(),
    matchInputSchema: z.boolean().optional(),
    maxArgumentsBytes: z
      .number()
      .int()
      .min(0)
      .max(1 << 30)
      .optional(),
    approval: tierSchema.optional(),
  })
  .strict();

const upstreamSchema = z.union([
  z
    .object({
      command: z.array(z.string().min(1).max(4096)).min(1).max(1024),
      env: z.record(z.string(), z.string()).optional(),
      cwd: absolute.optional(),
    })
    .strict(),
  z
    .object({
      url: z.url({ protocol: /^https?$/ }),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .strict(),
]);

const callerSchema = z
  .object({
    type: z.enum(['cli', 'daemon', 'plugin', 'cron', 'api', 'gateway', 'internal', 'p2p', 'p2p-discovery']).optional(),
    trustLevel: z.enum(['owner', 'trusted', 'semi-trusted', 'untrusted']).optional(),
    tokenDigests: z.array(digest).max(1024).optional(),
    subjects: z.array(z.string().min(1).max(1024)).max(1024).optional(),
  })
  .strict();

const listRules = z.object({ allow: globList.optional(), deny: globList.optional() }).strict();

/** The configuration after validation and defaults (internal). */
export interface ResolvedMcpConfig {
  version: 1;
  security: SecurityConfig;
  upstreams: Record<string, UpstreamConfig>;
  callers: Record<string, CallerConfig>;
  defaultCaller: string;
  tools: Record<string, ToolRuleConfig>;
  resources: { allow?: string[]; deny?: string[] };
  prompts: { allow?: string[]; deny?: string[] };
  pinning: { mode: 'enforce' | 'off'; trustOnFirstUse: boolean; pins: Record<string, string> };
  approvals: { ttlMs: number; url?: string };
  backends: { redisUrl?: string; keyPrefix: string; commandTimeoutMs: number; staleAfterMs: number };
  http: {
    host: string;
    port: number;
    upstream?: string;
    maxSessionsPerCaller: number;
    oauth?: {
      issuer: string;
      audience: string;
      jwksUrl?: string;
      publicKeyPem?: string;
      clockToleranceMs: number;
    };
  };
  limits: { maxMessageBytes: number; requestTimeoutMs: number };
}

/** Validates `warden-mcp.json` and fills in defaults. */
export const wardenMcpConfigSchema: z.ZodType<ResolvedMcpConfig, WardenMcpConfigInput> = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    security: securityConfigSchema.default(securityConfigSchema.parse({})),
    upstreams: z.record(name, upstreamSchema).refine((map) => Object.keys(map).length > 0, 'must name an upstream'),
    callers: z.record(name, callerSchema).default({}),
    defaultCaller: name.default('local'),
    tools: z.record(toolKey, toolRuleSchema).default({}),
    resources: listRules.default({}),
    prompts: listRules.default({}),
    pinning: z
      .object({
        mode: z.enum(['enforce', 'off']).default('enforce'),
        trustOnFirstUse: z.boolean().default(false),
        pins: z.record(toolKey, digest).default({}),
      })
      .strict()
      .default({ mode: 'enforce', trustOnFirstUse: false, pins: {} }),
    approvals: z
      .object({
        ttlMs: z
          .number()
          .int()
          .min(1000)
          .max(7 * 86_400_000)
          .default(600_000),
        url: z.url().optional(),
      })
      .strict()
      .default({ ttlMs: 600_000 }),
    backends: z
      .object({
        redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
        keyPrefix: z
          .string()
          .max(80)
          .regex(/^[A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", "-" or ":"')
          .default('warden:'),
        commandTimeoutMs: z.number().int().min(1).max(60_000).default(1000),
        staleAfterMs: z.number().int().min(10).max(600_000).default(2000),
      })
      .strict()
      .default({ keyPrefix: 'warden:', commandTimeoutMs: 1000, staleAfterMs: 2000 }),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8787),
        upstream: name.optional(),
        maxSessionsPerCaller: z.number().int().min(1).max(1_000_000).default(1000),
        oauth: z
          .object({
            issuer: z.string().min(1),
            audience: z.string().min(1),
            jwksUrl: z.url().optional(),
            publicKeyPem: z.string().min(1).optional(),
            clockToleranceMs: z.number().int().min(0).max(600_000).default(30_000),
          })
          .strict()
          .refine((oauth) => (oauth.jwksUrl === undefined) !== (oauth.publicKeyPem === undefined), {
            message: 'must set exactly one of jwksUrl and publicKeyPem',
          })
          .refine((oauth) => oauth.jwksUrl === undefined || isTrustedKeyUrl(oauth.jwksUrl), {
            message: 'must be https (http only on a loopback address)',
            path: ['jwksUrl'],
          })
          .optional(),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8787, maxSessionsPerCaller: 1000 }),
    limits: z
      .object({
        maxMessageBytes: z
          .number()
          .int()
          .min(1024)
          .max(1 << 30)
          .default(4 * 1024 * 1024),
        requestTimeoutMs: z.number().int().min(1).max(3_600_000).default(60_000),
      })
      .strict()
      .default({ maxMessageBytes: 4 * 1024 * 1024, requestTimeoutMs: 60_000 }),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.http.upstream !== undefined && !Object.hasOwn(config.upstreams, config.http.upstream)) {
      context.addIssue({
        code: 'custom',
        path: ['http', 'upstream'],
        message: `names no upstream ("${config.http.upstream}")`,
      });
    }
  });
