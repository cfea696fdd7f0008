/**
 * `warden-mcp`: the stdio wrapper (`warden-mcp --config f -- <server…>`), the HTTP gateway
 * (`warden-mcp serve --config f`) and `warden-mcp schema`.
 *
 * @module
 */
import { InvalidInputError, WardenError } from '@warden/core';
import { loadMcpConfigFile, mcpConfigJsonSchema } from '../config/config-file.js';
import type { ResolvedMcpConfig } from '../config/config-schema.js';
import { runStdioProxy } from '../stdio/stdio-proxy.js';
import { parseCliArguments } from './arguments.js';
import { createBackends } from './backends.js';

/**
 * Runs the command; resolves with the exit code. Errors are printed to stderr, never thrown.
 * `WARDEN_MCP_REDIS_URL` (or `--redis-url`) overrides `backends.redisUrl`.
 */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const args = parseCliArguments(argv);
    if (args.mode === 'schema') {
      process.stdout.write(`${JSON.stringify(mcpConfigJsonSchema(), null, 2)}\n`);
      return 0;
    }
    const config = withRedisUrl(loadMcpConfigFile(args.configPath ?? ''), args.redisUrl ?? env.WARDEN_MCP_REDIS_URL);
    const upstream = pickUpstream(config, args.upstream, args.mode === 'serve' ? config.http.upstream : undefined);
    const { enforcer, close } = createBackends(config);
    if (args.mode === 'serve') {
      const { startHttpGateway } = await import('../http/http-gateway.js');
      const gateway = await startHttpGateway({ enforcer, config, upstream });
      process.stderr.write(`warden-mcp: listening on ${gateway.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await gateway.close();
      await close();
      return 0;
    }
    const upstreamConfig = config.upstreams[upstream];
    const configured = upstreamConfig && 'command' in upstreamConfig ? upstreamConfig : undefined;
    const command = args.command.length > 0 ? args.command : configured?.command;
    if (!command || command.length === 0)
      throw new InvalidInputError({
        message: `upstream ${upstream} has no command: give one after --`,
        issues: [{ path: 'upstreams', message: 'no command' }],
      });
    const proxy = runStdioProxy({
      enforcer,
      upstream,
      command,
      ...(configured?.env ? { env: configured.env } : {}),
      ...(configured?.cwd ? { cwd: configured.cwd } : {}),
      maxMessageBytes: config.limits.maxMessageBytes,
      requestTimeoutMs: config.limits.requestTimeoutMs,
      ...(args.caller ? { caller: args.caller } : {}),
    });
    process.once('SIGTERM', () => proxy.close());
    const code = await proxy.done;
    await close();
    return code;
  } catch (error) {
    process.stderr.write(
      `warden-mcp: ${WardenError.isInstance(error) ? `${error.code}: ${error.message}` : String(error)}\n`,
    );
    return 2;
  }
}

function pickUpstream(
  config: ResolvedMcpConfig,
  requested: string | undefined,
  configured: string | undefined,
): string {
  const names = Object.keys(config.upstreams);
  const name = requested ?? configured ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined || !Object.hasOwn(config.upstreams, name)) {
    throw new InvalidInputError({
      message: `--upstream must name one of: ${names.join(', ')}`,
      issues: [{ path: '--upstream', message: 'unknown upstream' }],
    });
  }
  return name;
}

/** `--redis-url` or `WARDEN_MCP_REDIS_URL` replaces the configuration's `backends.redisUrl`. */
function withRedisUrl(config: ResolvedMcpConfig, redisUrl: string | undefined): ResolvedMcpConfig {
  if (redisUrl === undefined || redisUrl === '') return config;
  if (!/^rediss?:\/\/\S+$/.test(redisUrl))
    throw new InvalidInputError({
      message: '--redis-url must be a redis:// or rediss:// URL',
      issues: [{ path: '--redis-url', message: 'not a Redis URL' }],
    });
  return { ...config, backends: { ...config.backends, redisUrl } };
}
