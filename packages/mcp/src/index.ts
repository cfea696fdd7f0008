/**
 * `@warden/mcp`: Warden in front of every MCP tool call — policy on the tool and its arguments,
 * approvals bound to the exact call, tool pinning, the kill switch and one audit event per
 * decision, as in-process middleware, a stdio wrapper (`warden-mcp -- <server>`) or a
 * Streamable HTTP gateway (`warden-mcp serve`).
 *
 * @packageDocumentation
 */
export { mcpConfigJsonSchema } from './config/config-file.js';
export type {
  ArgumentRule,
  CallerConfig,
  ToolRuleConfig,
  UpstreamConfig,
  WardenMcpConfigInput,
} from './config/config-schema.js';
export {
  denialToJsonRpc,
  type JsonRpcErrorObject,
  type McpDenialCode,
  type McpDenialData,
  McpDeniedError,
  WARDEN_JSONRPC_ERROR,
} from './enforcer/denial.js';
export {
  createMcpEnforcer,
  type McpEnforcer,
  type McpEnforcerConfig,
  type McpSession,
  type McpSessionConfig,
} from './enforcer/enforcer.js';
export type { McpClientCall, McpOutcome, McpUpstreamCall } from './enforcer/messages.js';
export { APPROVAL_META_KEY, INPUT_REQUIRED_REVISION } from './enforcer/tool-call.js';
export type { PendingToolDefinition } from './enforcer/tool-catalog.js';
export type { ScreenedRequest } from './enforcer/upstream-requests.js';
export { type HttpGateway, type HttpGatewayConfig, startHttpGateway } from './http/http-gateway.js';
export { createMemoryToolPinStore, type ToolPinStore } from './pinning/pin-store.js';
export {
  createRedisToolPinStore,
  type RedisToolPinStore,
  type RedisToolPinStoreConfig,
} from './pinning/redis-pin-store.js';
export { findHiddenCharacters, type McpToolDefinition, toolDefinitionDigest } from './pinning/tool-definition.js';
export { runStdioProxy, type StdioProxy, type StdioProxyConfig } from './stdio/stdio-proxy.js';
