/**
 * The security events the audit benchmarks write: one shape for all of them, so that their records
 * have the same size (about 300 bytes framed) and their figures compare.
 */
import type { SecurityEvent } from '@warden/core';

/** The benchmark's `index`-th event: every fifth a blocked tool, each with a secret to redact. */
export const benchEvent = (index: number): SecurityEvent => ({
  type: index % 5 === 0 ? 'tool_blocked' : 'access_granted',
  timestamp: 1_700_000_000_000 + index,
  session: `session-${index % 17}`,
  details: { tool: 'fs.read', path: `/workspace/file-${index}.txt`, capability: 'fs.read', apiKey: `sk-${index}` },
});
