import { generateKeyPairSync } from 'node:crypto';
import { type AuditStorage, createAuditLog, createMemoryAuditStorage } from '@warden/audit';
import type { McpEnforcer } from '@warden/mcp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleAuditSource, ConsoleToolPinsConfig } from './index.js';
import { type ConsoleUnderTest, sha256, signIn, startConsole } from './test-support.js';

// The ports are structural: the packages' own objects fit them as they are (checked by tsc).
const toolPinsOf = (enforcer: McpEnforcer): ConsoleToolPinsConfig => enforcer;
void toolPinsOf;

let server: ConsoleUnderTest | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the audit page over an AuditLog of @warden/audit', () => {
  it('shows the last signed checkpoint, the verification verdict and the latest events, escaped', async () => {
    const log = createAuditLog({
      storage: createMemoryAuditStorage(),
      checkpointStorage: createMemoryAuditStorage(),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      origin: 'warden.test/console',
      checkpointIntervalMs: 0,
    });
    const audit: ConsoleAuditSource = log;
    await log.write({ type: 'access_denied', timestamp: 1, details: { reason: '<script>alert(1)</script>' } });
    await log.write({ type: 'kill_switch_activated', timestamp: 2, details: { reason: 'incident' } });
    await log.checkpoint();
    server = await startConsole({ operators: [{ name: 'alice', tokenSha256: sha256('token-a') }], audit });
    const { cookie } = await signIn(server.url, 'token-a');
    const page = await (await fetch(`${server.url}/console/audit`, { headers: { cookie } })).text();
    expect(page).toContain('2 entries, origin <code>warden.test/console</code>');
    expect(page).toContain('verified: 2 of 2 entries covered by');
    expect(page).toContain('kill_switch_activated');
    expect(page).not.toContain('<script>alert');
    const filtered = await (
      await fetch(`${server.url}/console/audit?type=access_denied`, { headers: { cookie } })
    ).text();
    expect(filtered).not.toContain('<td>kill_switch_activated</td>');
    await log.close();
  });

  it('a burst of page views runs two verifications, not one each (each holds the whole log in memory)', async () => {
    const log = createAuditLog({
      storage: createMemoryAuditStorage(),
      checkpointStorage: createMemoryAuditStorage(),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      checkpointIntervalMs: 0,
    });
    await log.write({ type: 'access_denied', timestamp: 1, details: {} });
    await log.checkpoint();
    // The first verification lasts until every page view has arrived (each reads the size once).
    const views = 20;
    let arrived = 0;
    let allArrived: () => void = () => undefined;
    const everyViewArrived = new Promise<void>((resolve) => {
      allArrived = resolve;
    });
    let verifications = 0;
    const audit: ConsoleAuditSource = {
      size: () => {
        if (++arrived === views) allArrived();
        return log.size();
      },
      entry: (index) => log.entry(index),
      latestCheckpoint: () => log.latestCheckpoint(),
      verify: async () => {
        verifications += 1;
        if (verifications === 1) await everyViewArrived;
        return log.verify();
      },
    };
    server = await startConsole({ operators: [{ name: 'alice', tokenSha256: sha256('token-a') }], audit });
    const { cookie } = await signIn(server.url, 'token-a');
    const pages = await Promise.all(
      Array.from({ length: views }, async () =>
        (await fetch(`${server?.url}/console/audit`, { headers: { cookie } })).text(),
      ),
    );
    for (const page of pages) expect(page).toContain('verified: 1 of 1 entries covered by');
    expect(verifications).toBe(2);
    await log.close();
  });

  it('still says NOT verified, and marks the entries, when an attacker makes stored entries unreadable or ill-typed', async () => {
    // The attacker can write the log's storage (what signed checkpoints defend against) and turns
    // the newest record into garbage: reading it throws, which took the whole page down (500),
    // verdict included.
    const storage = createMemoryAuditStorage();
    let tampered = false;
    const hostile: AuditStorage = {
      specificationVersion: storage.specificationVersion,
      providerId: storage.providerId,
      append: (records) => storage.append(records),
      size: () => storage.size(),
      sync: () => storage.sync(),
      close: () => storage.close(),
      read: async (start, end) =>
        (await storage.read(start, end)).map((record, offset) =>
          tampered ? (forged[start + offset] ?? record) : record,
        ),
    };
    // Entry 1 is garbage; entry 0 is well-formed JSON whose event has the wrong types (a time no
    // date can hold, a key that is not a string).
    const illTyped = {
      seq: 0,
      prev: '',
      event: { type: 'x', timestamp: 1e300, source: { identity: { publicKey: 5 } } },
    };
    const forged: Record<number, Uint8Array> = {
      0: new TextEncoder().encode(JSON.stringify(illTyped)),
      1: new Uint8Array([0xff, 0x00, 0x13]),
    };
    const log = createAuditLog({
      storage: hostile,
      checkpointStorage: createMemoryAuditStorage(),
      signingKey: generateKeyPairSync('ed25519').privateKey,
      origin: 'warden.test/console',
      checkpointIntervalMs: 0,
    });
    await log.write({ type: 'access_denied', timestamp: 1, details: { reason: 'first' } });
    await log.write({ type: 'kill_switch_activated', timestamp: 2, details: { reason: 'incident' } });
    await log.checkpoint();
    tampered = true;
    const errors: unknown[] = [];
    server = await startConsole({
      operators: [{ name: 'alice', tokenSha256: sha256('token-a') }],
      audit: log,
      onError: (error) => errors.push(error),
    });
    const { cookie } = await signIn(server.url, 'token-a');
    const response = await fetch(`${server.url}/console/audit`, { headers: { cookie } });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('NOT verified');
    expect(page).toContain('entry 1 could not be read');
    expect(page).toContain('entry 0 could not be shown');
    await log.close();
  });

  it('says NOT verified when the log differs from what was signed', async () => {
    const audit: ConsoleAuditSource = {
      size: async () => 0,
      entry: async () => {
        throw new Error('empty');
      },
      latestCheckpoint: async () => undefined,
      verify: async () => ({ ok: false, size: 3, verifiedSize: 2, validCheckpoints: 1, problems: [{ index: 1 }] }),
    };
    server = await startConsole({ operators: [{ name: 'alice', tokenSha256: sha256('token-a') }], audit });
    const { cookie } = await signIn(server.url, 'token-a');
    const page = await (await fetch(`${server.url}/console/audit`, { headers: { cookie } })).text();
    expect(page).toContain('NOT verified: 1 problems found');
    expect(page).toContain('none signed yet');
  });
});
