// The operator console in a real browser against two example hosts sharing Redis: this test's
// host and a second host process (`src/main.ts`), with approvals and the kill switch on Redis.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWithService } from '@warden/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeWithChromium, launchChromium, signInAs } from './console-browser.js';
import { createHostClient } from './host-client.js';
import { sha256Hex } from './source-identification.js';
import { startTestHost, type TestHost } from './test-host.js';

const BROWSER_TIMEOUT_MS = 240_000;
const WAIT = { timeout: 90_000, interval: 250 };
const appDirectory = fileURLToPath(new URL('..', import.meta.url));

const alice = { kind: 'operator', name: 'alice', token: randomBytes(24).toString('base64url') } as const;
const bob = { kind: 'operator', name: 'bob', token: randomBytes(24).toString('base64url') } as const;
const operators = [
  { name: 'alice', tokenSha256: sha256Hex(alice.token) },
  { name: 'bob', tokenSha256: sha256Hex(bob.token) },
];

interface SecondHost {
  url: string;
  stop(): Promise<void>;
}

/** Starts `src/main.ts` in a child process, as an operator would run a second host. */
async function startSecondHost(sections: Record<string, unknown>, redisUrl: string, directory: string) {
  const configPath = join(directory, 'second-host.json');
  const config = {
    server: { host: '127.0.0.1', port: 0 },
    auditLog: join(directory, 'second.jsonl'),
    operators,
    ...sections,
  };
  writeFileSync(configPath, JSON.stringify(config));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=warden-source', 'src/main.ts'],
    {
      cwd: appDirectory,
      env: { ...process.env, WARDEN_EXAMPLE_CONFIG: configPath, REDIS_URL: redisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found?.[1]) resolve(found[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the second host exited with ${code}: ${output}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop } satisfies SecondHost;
}

describeWithService('redis', 'two hosts sharing Redis', (redisUrl) =>
  describeWithChromium('the operator console in chromium', () => {
    const run = randomBytes(4).toString('hex');
    const sections = {
      sandbox: { backend: 'stub' },
      killSwitch: { name: `console-it-${run}` },
      approvals: { prefix: `warden:console-it-${run}:approvals:` },
      rateLimiter: { prefix: `warden:console-it-${run}:rate:` },
    };
    let browser: Browser;
    let host: TestHost;
    let second: SecondHost;
    let directory: string;

    beforeAll(async () => {
      directory = mkdtempSync(join(tmpdir(), 'warden-console-it-'));
      host = await startTestHost({ env: { REDIS_URL: redisUrl }, sections: { ...sections, operators } });
      second = await startSecondHost(sections, redisUrl, directory);
      browser = await launchChromium();
    }, BROWSER_TIMEOUT_MS);
    afterAll(async () => {
      await browser?.close();
      await second?.stop();
      await host?.dispose();
      if (directory) rmSync(directory, { recursive: true, force: true });
    }, BROWSER_TIMEOUT_MS);

    const newPage = async (): Promise<Page> => (await browser.newContext()).newPage();
    const queue = async (request: Record<string, unknown>) => {
      const response = await host.client.send(
        host.actors.discoveredPeer,
        'POST',
        '/sessions/code-runner/messages',
        request,
      );
      expect(response.status).toBe(202);
      return String(response.body.requestId);
    };

    it(
      "an operator approves a peer's request from the page (approvals on Redis) and the command runs",
      async () => {
        const page = await newPage();
        await signInAs(page, `${host.running.url}/console`, alice.token);
        const id = await queue({ message: 'Please count the files', tool: 'Bash', command: 'ls / | wc -l' });
        const link = page.locator(`#pending-rows a[href="/console/approvals/${encodeURIComponent(id)}"]`);
        await vi.waitFor(async () => expect(await link.count()).toBe(1), WAIT);
        await link.click();
        await page.getByLabel(/Reason/).fill('Counting files is harmless');
        await page.getByRole('button', { name: 'Approve' }).click();
        await expect.poll(() => page.locator('[role=status].flash').textContent(), WAIT).toContain('The host ran it.');
        const seen = await host.client.send(host.actors.discoveredPeer, 'GET', `/approvals/${id}`);
        expect(seen.body).toMatchObject({ status: 'executed', approvedBy: ['alice'] });
        await page.context().close();
      },
      BROWSER_TIMEOUT_MS,
    );

    it(
      "a decision made on the second host's console shows up on the first host's page",
      async () => {
        const id = await queue({ message: 'Delete the cache', tool: 'Bash', command: 'rm -rf /tmp/cache' });
        const alicePage = await newPage();
        const bobPage = await newPage();
        await signInAs(alicePage, `${host.running.url}/console`, alice.token);
        await alicePage.goto(`${host.running.url}/console/approvals/${encodeURIComponent(id)}`);
        await signInAs(bobPage, `${second.url}/console`, bob.token);
        await bobPage.goto(`${second.url}/console/approvals/${encodeURIComponent(id)}`);
        await bobPage.getByLabel(/Reason/).fill('Not during the release');
        await bobPage.getByRole('button', { name: 'Reject' }).click();
        await expect
          .poll(() => bobPage.locator('[role=status].flash').textContent(), WAIT)
          .toContain('rejected by bob');
        await vi.waitFor(async () => {
          expect(await alicePage.locator('#live-status').textContent()).toContain('rejected by bob');
          expect(await alicePage.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
        }, WAIT);
        await alicePage.context().close();
        await bobPage.context().close();
      },
      BROWSER_TIMEOUT_MS,
    );

    it(
      'activating the kill switch from the page stops this host and the second host process',
      async () => {
        const secondClient = createHostClient(second.url);
        const health = async (client: typeof secondClient) =>
          (await client.send({ kind: 'anonymous' }, 'GET', '/health')).body;
        expect(await health(secondClient)).toMatchObject({ status: 'ok' });
        const page = await newPage();
        await signInAs(page, `${host.running.url}/console`, alice.token);
        await page.goto(`${host.running.url}/console/kill-switch`);
        await page.getByLabel('Reason (required)').fill('Suspicious activity: stop every host');
        await page.getByRole('button', { name: 'Activate the kill switch' }).click();
        await expect.poll(() => page.locator('#kill-switch-state').textContent(), WAIT).toContain('ACTIVE');
        expect(await health(host.client)).toMatchObject({ status: 'stopped' });
        await vi.waitFor(async () => expect(await health(secondClient)).toMatchObject({ status: 'stopped' }), WAIT);
        const refused = await secondClient.send(alice, 'POST', '/sessions/code-assistant/messages', {
          message: 'One more',
        });
        expect(refused.status).toBe(503);
        await page.getByRole('link', { name: 'Release the kill switch…' }).click();
        await page.getByRole('button', { name: 'Yes, release the kill switch' }).click();
        await expect.poll(() => page.locator('#kill-switch-state').textContent(), WAIT).toContain('Released');
        await vi.waitFor(async () => expect(await health(secondClient)).toMatchObject({ status: 'ok' }), WAIT);
        await page.context().close();
      },
      BROWSER_TIMEOUT_MS,
    );
  }),
);
