import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecurityEventEmitter } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createJsonLinesAuditLog } from './audit-log.js';

describe('createJsonLinesAuditLog(path)', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('appends each emitted event as one redacted JSON line', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-audit-'));
    directories.push(directory);
    const log = createJsonLinesAuditLog(join(directory, 'nested', 'audit.jsonl'));
    const events = createSecurityEventEmitter({ auditSink: log, now: () => 42 });
    events.emit({ type: 'access_denied', session: 'main', details: { apiKey: 'k-123', tool: 'Bash' } });
    events.emit({ type: 'tool_blocked', session: 'main', details: { tool: 'Bash' } });
    await log.close();
    const lines = readFileSync(log.path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { type: 'access_denied', session: 'main', timestamp: 42, details: { apiKey: '[REDACTED]', tool: 'Bash' } },
      { type: 'tool_blocked', session: 'main', timestamp: 42, details: { tool: 'Bash' } },
    ]);
  });
});
