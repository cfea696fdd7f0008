import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditLog } from '@warden/audit';
import { createSecurityEventEmitter } from '@warden/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHost } from './agent-host.js';
import { createHostAuditLog } from './audit-log.js';
import { narrateAuditLog } from './demo-audit.js';
import { createDemoActors, demoConfig } from './demo-setup.js';

describe('createHostAuditLog(directory)', () => {
  const directories: string[] = [];
  const directory = (): string => {
    const created = mkdtempSync(join(tmpdir(), 'warden-audit-'));
    directories.push(created);
    return join(created, 'nested', 'audit');
  };
  afterEach(() => {
    for (const created of directories.splice(0)) rmSync(created, { recursive: true, force: true });
  });

  it('appends each emitted event, redacted, to a Merkle log that verifies with its key', async () => {
    const log = createHostAuditLog(directory());
    const events = createSecurityEventEmitter({ auditSink: log, now: () => 42 });
    events.emit({ type: 'access_denied', session: 'main', details: { apiKey: 'k-123', tool: 'Bash' } });
    events.emit({ type: 'tool_blocked', session: 'main', details: { tool: 'Bash' } });
    await log.close();
    expect(await log.events()).toEqual([
      { type: 'access_denied', session: 'main', timestamp: 42, details: { apiKey: '[REDACTED]', tool: 'Bash' } },
      { type: 'tool_blocked', session: 'main', timestamp: 42, details: { tool: 'Bash' } },
    ]);
    const report = await verifyAuditLog({ directory: log.directory, verifierKey: log.verifierKey });
    expect(report).toMatchObject({ ok: true, size: 2, verifiedSize: 2 });
    expect(statSync(join(log.directory, 'signing-key.pem')).mode & 0o077).toBe(0);
  });

  it('reopens with the key it generated, so a restarted host keeps appending to the same log', async () => {
    const path = directory();
    const first = createHostAuditLog(path);
    await first.write({ type: 'access_granted', timestamp: 1, details: {} });
    await first.close();
    const second = createHostAuditLog(path);
    await second.write({ type: 'access_denied', timestamp: 2, details: {} });
    await second.close();
    expect(second.verifierKey).toBe(first.verifierKey);
    expect((await second.events()).map((event) => event.type)).toEqual(['access_granted', 'access_denied']);
  });

  it("the demo's attacker, who turns a denial into a grant in a copy of the log, is caught and the entry named", async () => {
    const log = createHostAuditLog(directory());
    for (const type of ['access_granted', 'access_denied', 'tool_blocked'] as const) {
      await log.write({ type, timestamp: 1, details: {} });
    }
    await log.close();
    const lines = (await narrateAuditLog(log)).join('\n');
    expect(lines).toContain('warden-audit verify: OK: 3 of 3 entries');
    expect(lines).toContain('turns entry 1 (access_denied) into access_granted');
    expect(lines).toContain('on that copy: FAILED');
    expect(lines).toContain('entry-modified: entry 1 was modified');
  });

  it('a fault that stops the audit log from appending stops the host: every request is then 503 BACKEND_UNAVAILABLE', async () => {
    // The fault: the log's checkpoint directory is a file, so its storage cannot open.
    const path = directory();
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'checkpoints'), 'not a directory');
    const errors: unknown[] = [];
    const running = await startAgentHost(demoConfig(createDemoActors(), { auditLog: path, env: {} }), {
      onError: (error) => errors.push(error),
    });
    try {
      // The startup grants are events: their append fails, and the log fails closed.
      await running.host.auditLog.write({ type: 'access_granted', timestamp: 1, details: {} }).catch(() => undefined);
      const response = await fetch(`${running.url}/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: { code: 'BACKEND_UNAVAILABLE' } });
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await running.close();
    }
  });

  it('a fault that stops the audit log from appending stops the operator console too: its pages and its sign-in answer 503 BACKEND_UNAVAILABLE', async () => {
    // The fault: the log's checkpoint directory is a file, so its storage cannot open.
    const path = directory();
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, 'checkpoints'), 'not a directory');
    const actors = createDemoActors();
    const running = await startAgentHost(demoConfig(actors, { auditLog: path, env: {} }), { onError: () => {} });
    try {
      await running.host.auditLog.write({ type: 'access_granted', timestamp: 1, details: {} }).catch(() => undefined);
      // The console is mounted in front of the host's API: it must not serve what the API refuses,
      // or an operator could release the kill switch or run an approved request unrecorded.
      const page = await fetch(`${running.url}/console/sign-in`);
      expect(page.status).toBe(503);
      expect(await page.json()).toMatchObject({ error: { code: 'BACKEND_UNAVAILABLE' } });
      const signIn = await fetch(`${running.url}/console/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: running.url },
        body: new URLSearchParams({ csrf: 'x', token: actors.operator.token }).toString(),
      });
      expect(signIn.status).toBe(503);
      expect(signIn.headers.getSetCookie()).toEqual([]);
    } finally {
      await running.close();
    }
  });
});
