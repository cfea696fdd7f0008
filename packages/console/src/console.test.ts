import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { type ApprovalWorkflow, createSecurityEventEmitter, type KillSwitch } from '@warden/core';
import { createStubApprovalWorkflow, createStubKillSwitch } from '@warden/stubs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY, createConsole } from './index.js';
import {
  type ConsoleUnderTest,
  postForm,
  rawStatusLine,
  sha256,
  signIn,
  signInFrom,
  startConsole,
} from './test-support.js';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789';
const operators = [
  { name: 'alice', tokenSha256: sha256(ALICE) },
  { name: 'bob', tokenSha256: sha256(BOB) },
];

let workflow: ApprovalWorkflow;
let killSwitch: KillSwitch;
let server: ConsoleUnderTest;

beforeEach(async () => {
  workflow = createStubApprovalWorkflow();
  killSwitch = createStubKillSwitch();
  await killSwitch.deactivate({ actor: 'setup' });
  server = await startConsole({ operators, approvals: { workflow }, killSwitch });
});
afterEach(() => server.close());

describe('a signed-out visitor', () => {
  it('is sent to the sign-in page from every page, and JSON endpoints answer 401', async () => {
    for (const path of ['/console/', '/console/approvals', '/console/kill-switch', '/console/approvals/x']) {
      const response = await fetch(`${server.url}${path}`, { redirect: 'manual' });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/console/sign-in');
    }
    const json = await fetch(`${server.url}/console/api/approvals`);
    expect(json.status).toBe(401);
    expect(await json.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Sign in first' } });
  });

  it('sees a sign-in page with the strict security headers and no inline script or style', async () => {
    const response = await fetch(`${server.url}/console/sign-in`);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const page = await response.text();
    expect(page).not.toMatch(/<script>|<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=/i);
    expect(page).toContain('<meta name="viewport"');
  });

  it('leaves requests outside the base path to the host (next)', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(418);
  });
});

describe('sign-in', () => {
  it('refuses an unknown token (an attacker guessing) and sets no session cookie', async () => {
    const { cookie, response } = await signIn(server.url, 'not-a-token');
    expect(response.status).toBe(401);
    expect(cookie).toBe('');
  });

  it('throttles an address guessing tokens (attacker: anyone who can reach the console): past five wrong tokens, 429 with Retry-After doubling, even for a right token, while other addresses still sign in', async () => {
    let clock = Date.parse('2026-06-01T12:00:00Z');
    const events = createSecurityEventEmitter();
    const refusals: unknown[] = [];
    events.on('security', (event) => {
      if (event.details.code === 'RATE_LIMITED') refusals.push(event);
    });
    const throttled = await startConsole({ operators, killSwitch, events, now: () => clock });
    try {
      for (let guess = 1; guess <= 6; guess++) {
        expect((await signIn(throttled.url, `guess-${guess}`)).response.status).toBe(401);
      }
      // The sixth wrong token made this address wait 1 s: not even the right token is checked.
      const refused = await signIn(throttled.url, ALICE);
      expect(refused.response.status).toBe(429);
      expect(refused.response.headers.get('retry-after')).toBe('1');
      expect(refused.cookie).toBe('');
      expect(refusals).toHaveLength(1);
      // Another address is not locked out by this one's guesses.
      expect((await signInFrom('127.0.0.2', throttled.url, ALICE)).status).toBe(303);
      // Once the wait is over, the next wrong token doubles it.
      clock += 1000;
      expect((await signIn(throttled.url, 'guess-7')).response.status).toBe(401);
      const again = await signIn(throttled.url, ALICE);
      expect(again.response.status).toBe(429);
      expect(again.response.headers.get('retry-after')).toBe('2');
      clock += 2000;
      const signedIn = await signIn(throttled.url, ALICE);
      expect(signedIn.response.status).toBe(303);
      expect(signedIn.cookie).not.toBe('');
      // A sign-in forgets the address's wrong tokens: the next typo is free again.
      expect((await signIn(throttled.url, 'typo')).response.status).toBe(401);
      expect((await signIn(throttled.url, ALICE)).response.status).toBe(303);
    } finally {
      await throttled.close();
    }
  });

  it('counts concurrent guesses one by one (attacker: a burst of parallel sign-ins): six are checked (the free five and the one that starts the wait), the rest refused', async () => {
    const burst = await startConsole({ operators, killSwitch, now: () => 0 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async (_, guess) => (await signIn(burst.url, `guess-${guess}`)).response.status),
      );
      expect(statuses.filter((status) => status === 401)).toHaveLength(6);
      expect(statuses.filter((status) => status === 429)).toHaveLength(14);
    } finally {
      await burst.close();
    }
  });

  it("counts wrong tokens against the address clientAddress names (behind a proxy), not the proxy's own", async () => {
    let client = '198.51.100.1';
    const proxied = await startConsole({ operators, killSwitch, now: () => 0, clientAddress: () => client });
    try {
      for (let guess = 1; guess <= 6; guess++) await signIn(proxied.url, `guess-${guess}`);
      expect((await signIn(proxied.url, ALICE)).response.status).toBe(429);
      client = '198.51.100.2';
      expect((await signIn(proxied.url, ALICE)).response.status).toBe(303);
    } finally {
      await proxied.close();
    }
  });

  it('refuses a sign-in form posted without its own form token (login CSRF)', async () => {
    const response = await postForm(server.url, '/console/sign-in', { token: ALICE }, {});
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith('warden_console_session='))).toBe(false);
  });

  it('sets an HttpOnly, SameSite=Strict session cookie scoped to the console, not Secure over plain HTTP', async () => {
    const { response } = await signIn(server.url, ALICE);
    expect(response.status).toBe(303);
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith('warden_console_session=')) ?? '';
    expect(cookie).toMatch(/^warden_console_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(cookie).toContain('Max-Age=28800');
    expect(cookie).not.toContain('Secure');
  });

  it('scopes its cookies to / when mounted at the root (basePath "/"), never to an empty Path the browser fills in from the request', async () => {
    const root = await startConsole({ operators, killSwitch, basePath: '/' });
    try {
      const page = await fetch(`${root.url}/sign-in`);
      const formCookie = page.headers.getSetCookie().find((value) => value.startsWith('warden_console_sign_in=')) ?? '';
      const formToken = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const signedIn = await postForm(
        root.url,
        '/sign-in',
        { csrf: formToken, token: ALICE },
        { cookie: formCookie.split(';')[0] ?? '' },
      );
      expect(signedIn.status).toBe(303);
      const cookies = [formCookie, ...signedIn.headers.getSetCookie()];
      expect(cookies).toHaveLength(3);
      for (const cookie of cookies) expect(cookie.split('; ')).toContain('Path=/');
    } finally {
      await root.close();
    }
  });

  it('marks the cookie Secure when the console is served over TLS (publicOrigin https)', async () => {
    await server.close();
    server = await startConsole({ operators, killSwitch, publicOrigin: 'https://ops.example' });
    const page = await fetch(`${server.url}/console/sign-in`);
    expect(page.headers.getSetCookie()[0]).toContain('Secure');
  });

  it('ends a session on time when the wall clock steps back (attacker: a clock that steps, say through NTP): a stolen cookie lives no longer', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'], now: Date.parse('2026-06-01T12:00:00Z') });
    try {
      await server.close();
      server = await startConsole({ operators, killSwitch, sessionTtlMs: 60_000 });
      const { cookie } = await signIn(server.url, ALICE);
      vi.setSystemTime(Date.parse('2026-05-31T12:00:00Z'));
      vi.advanceTimersByTime(61_000);
      expect((await fetch(`${server.url}/console/api/kill-switch`, { headers: { cookie } })).status).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('signs out: the old cookie opens nothing any more', async () => {
    const { cookie, csrf } = await signIn(server.url, ALICE);
    expect((await fetch(`${server.url}/console/api/kill-switch`, { headers: { cookie } })).status).toBe(200);
    const out = await postForm(server.url, '/console/sign-out', { csrf }, { cookie });
    expect(out.status).toBe(303);
    expect((await fetch(`${server.url}/console/api/kill-switch`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('a page on another site whose name now resolves to 127.0.0.1 (DNS rebinding)', () => {
  const statusFor = (url: string, host: string, path = '/console/sign-in') =>
    rawStatusLine(Number(new URL(url).port), `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

  it('is refused with 403 on a loopback address, page and assets alike, so it never gets the sign-in form token; recorded', async () => {
    const events = createSecurityEventEmitter();
    const seen: unknown[] = [];
    events.on('security', (event) => event.type === 'access_denied' && seen.push(event.details));
    await server.close();
    server = await startConsole({ operators, killSwitch, events });
    const port = new URL(server.url).port;
    for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1.attacker.example:${port}`]) {
      expect(await statusFor(server.url, host), host).toBe('HTTP/1.1 403 Forbidden');
    }
    expect(await statusFor(server.url, `attacker.example:${port}`, '/console/assets/console.js')).toBe(
      'HTTP/1.1 403 Forbidden',
    );
    expect(seen[0]).toMatchObject({ step: 'console-host', host: `attacker.example:${port}` });
  });

  it('serves loopback names (localhost and its subdomains, 127.x, [::1]) and the publicOrigin name a local proxy passes on', async () => {
    const port = new URL(server.url).port;
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `ops.localhost:${port}`,
      `127.0.0.2:${port}`,
      '[::1]',
    ]) {
      expect(await statusFor(server.url, host), host).toBe('HTTP/1.1 200 OK');
    }
    await server.close();
    server = await startConsole({ operators, killSwitch, publicOrigin: 'https://ops.example' });
    expect(await statusFor(server.url, 'ops.example')).toBe('HTTP/1.1 200 OK');
    expect(await statusFor(server.url, 'attacker.example')).toBe('HTTP/1.1 403 Forbidden');
  });
});

/** The machine's first non-loopback, non-link-local address of `family`, to bind a console on (none on a machine without one). */
function interfaceAddress(family: 'IPv4' | 'IPv6'): string | undefined {
  const addresses = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []);
  return addresses.find((entry) => entry.family === family && !entry.internal && !entry.address.startsWith('fe80:'))
    ?.address;
}

describe.each([
  ['IPv4', interfaceAddress('IPv4')],
  ['IPv6', interfaceAddress('IPv6')],
])(
  'a page on another site whose name now resolves to the console’s LAN address (DNS rebinding, %s)',
  (family, address) => {
    // Skipped with this reason on a machine without a non-loopback interface of the family.
    const it_ = address === undefined ? it.skip : it;
    const statusFor = (url: string, host: string, path = '/console/sign-in') =>
      rawStatusLine(
        Number(new URL(url).port),
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        address as string,
      );
    const literal = () => ((address as string).includes(':') ? `[${address}]` : (address as string));

    it_(
      `is refused with 403 on a ${family} interface address, page and assets alike; recorded (skipped without such an interface)`,
      async () => {
        const events = createSecurityEventEmitter();
        const seen: unknown[] = [];
        events.on('security', (event) => event.type === 'access_denied' && seen.push(event.details));
        await server.close();
        server = await startConsole({ operators, killSwitch, events }, address as string);
        const port = new URL(server.url).port;
        for (const host of [`attacker.example:${port}`, 'attacker.example', `${literal()}.attacker.example:${port}`]) {
          expect(await statusFor(server.url, host), host).toBe('HTTP/1.1 403 Forbidden');
        }
        expect(await statusFor(server.url, `attacker.example:${port}`, '/console/assets/console.js')).toBe(
          'HTTP/1.1 403 Forbidden',
        );
        expect(seen[0]).toMatchObject({ step: 'console-host', host: `attacker.example:${port}` });
      },
    );

    it_(
      `serves the ${family} address itself (any port), publicOrigin’s host and the allowedHosts names (skipped without such an interface)`,
      async () => {
        await server.close();
        server = await startConsole(
          { operators, killSwitch, publicOrigin: 'https://ops.example', allowedHosts: ['console.lan'] },
          address as string,
        );
        const port = new URL(server.url).port;
        for (const host of [
          `${literal()}:${port}`,
          literal(),
          `${literal()}:8443`,
          'ops.example',
          `console.lan:${port}`,
        ]) {
          expect(await statusFor(server.url, host), host).toBe('HTTP/1.1 200 OK');
        }
        expect(await statusFor(server.url, `sub.console.lan:${port}`)).toBe('HTTP/1.1 403 Forbidden');
      },
    );
  },
);

describe('a forged cross-site POST (an attacker page the operator visits)', () => {
  it('is refused with 403 for a foreign Origin, a cross-site fetch or a missing CSRF token; nothing changes', async () => {
    const { cookie, csrf } = await signIn(server.url, ALICE);
    const activate = (fields: Record<string, string>, headers: Record<string, string>) =>
      postForm(server.url, '/console/kill-switch/activate', { reason: 'forged', ...fields }, { cookie, ...headers });
    expect((await activate({ csrf }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await activate({ csrf }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await activate({ csrf }, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    // A sandboxed frame on the attacker's page posts with Origin: null.
    expect((await activate({ csrf }, { origin: 'null' })).status).toBe(403);
    expect((await activate({ csrf }, { origin: 'null', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await activate({}, {})).status).toBe(403);
    expect((await activate({ csrf: `${csrf.slice(0, -1)}x` }, {})).status).toBe(403);
    expect((await postForm(server.url, '/console/kill-switch/activate', { reason: 'forged', csrf }, {})).status).toBe(
      403,
    );
    expect(await killSwitch.isActive()).toBe(false);
    // The console's own form under Referrer-Policy: no-referrer: Origin null, same-origin fetch.
    expect((await activate({ csrf }, { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect(await killSwitch.isActive()).toBe(true);
  });
});

describe('a malformed request (attacker: anyone who can reach the console)', () => {
  it('records a refused request in the events with its path and Origin cut short, so that each unauthenticated request adds a bounded entry to the audit log', async () => {
    const events = createSecurityEventEmitter();
    const recorded: string[] = [];
    events.on('security', (event) => recorded.push(JSON.stringify(event.details)));
    await server.close();
    server = await startConsole({ operators, killSwitch, events });
    const origin = `http://${'o'.repeat(6000)}.example`;
    const path = `/console/${'p'.repeat(6000)}`;
    expect((await postForm(server.url, path, { csrf: 'x' }, { origin })).status).toBe(403);
    expect((await postForm(server.url, path, { csrf: 'x' }, {})).status).toBe(403);
    expect(recorded).toHaveLength(2);
    for (const details of recorded) expect(details.length).toBeLessThan(1000);
    expect(recorded[0]).toContain('http://ooo');
  });
  it('gets a 400 with a stable code, not a 500 reported to onError, for a huge, mistyped or mis-encoded request', async () => {
    const errors: unknown[] = [];
    await server.close();
    server = await startConsole({ operators, approvals: { workflow }, killSwitch, onError: (e) => errors.push(e) });
    // Signed out: a sign-in form of 100 KiB, and one sent as text/plain.
    const huge = await postForm(server.url, '/console/sign-in', { csrf: 'x', token: 'y'.repeat(100 * 1024) }, {});
    expect(huge.status).toBe(400);
    expect(await huge.json()).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    const plain = await fetch(`${server.url}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: server.url },
      body: 'csrf=x&token=y',
    });
    expect(plain.status).toBe(400);
    // Signed in: an approval id that is not valid percent-encoding.
    const { cookie, csrf } = await signIn(server.url, ALICE);
    expect((await fetch(`${server.url}/console/approvals/%E0%A4%A`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${server.url}/console/api/approvals/%E0%A4%A`, { headers: { cookie } })).status).toBe(404);
    const decide = await postForm(
      server.url,
      '/console/approvals/%E0%A4%A/decide',
      { csrf, decision: 'approve', reason: 'r' },
      { cookie },
    );
    expect(decide.status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('does not report a form whose sender hung up before the end of its body (attacker: anyone who can reach the console, starting POSTs and dropping them) to onError', async () => {
    const errors: unknown[] = [];
    const console = createConsole({ operators, killSwitch, onError: (error) => errors.push(error) });
    try {
      // What Node's server hands the handler when the client drops the connection mid-body.
      const request = new IncomingMessage(new Socket());
      request.method = 'POST';
      request.url = '/console/sign-in';
      request.headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '1000' };
      const response = new ServerResponse(request);
      console(request, response);
      request.push('csrf=abc&token=');
      request.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      await vi.waitFor(() => expect(response.writableEnded).toBe(true), { timeout: 30_000 });
      expect(response.statusCode).toBe(400);
      expect(errors).toEqual([]);
    } finally {
      console.close();
    }
  });

  it('answers a request target that is not a URL path (GET //) instead of throwing out of the handler, which crashes a plain http server', async () => {
    const console = createConsole({ operators, killSwitch });
    const thrown: unknown[] = [];
    const host = createServer((request, response) => {
      try {
        console(request, response);
      } catch (error) {
        // Without this catch, the throw is an uncaught exception: the whole host process exits.
        thrown.push(error);
        response.destroy();
      }
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = host.address() as AddressInfo;
      for (const target of ['//', '//[', '/\\']) {
        expect(await rawStatusLine(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toBe(
          'HTTP/1.1 404 Not Found',
        );
      }
      expect(thrown).toEqual([]);
    } finally {
      console.close();
      host.closeAllConnections();
      await new Promise((resolve) => host.close(resolve));
    }
  });
});

describe('a console configured with no section', () => {
  it('shows a signed-in operator a page saying so, instead of sending them between home and sign-in without end', async () => {
    const bare = await startConsole({ operators });
    try {
      const { cookie, response } = await signIn(bare.url, ALICE);
      expect(response.status).toBe(303);
      let location = response.headers.get('location') ?? '';
      for (let hop = 0; hop < 5 && location !== ''; hop++) {
        const next = await fetch(`${bare.url}${location}`, { headers: { cookie }, redirect: 'manual' });
        if (next.status !== 302 && next.status !== 303) {
          expect(next.status).toBe(200);
          expect(await next.text()).toContain('no section configured');
          return;
        }
        location = next.headers.get('location') ?? '';
      }
      throw new Error(`still redirected after 5 hops, now to ${location}`);
    } finally {
      await bare.close();
    }
  });
});

describe('approvals', () => {
  const hostile = {
    requester: 'peer"><img src=x onerror=alert(1)>',
    description: '<script>alert("pwned")</script> <a href="javascript:alert(1)">click</a>',
    payload: { command: '<script>document.location="javascript:alert(2)"</script>', link: 'javascript:alert(3)' },
  };

  it('renders an attacker-controlled payload as inert text', async () => {
    const id = await workflow.request(hostile);
    const { cookie } = await signIn(server.url, ALICE);
    for (const path of ['/console/approvals', `/console/approvals/${encodeURIComponent(id)}`]) {
      const page = await (await fetch(`${server.url}${path}`, { headers: { cookie } })).text();
      expect(page).not.toContain('<script>alert');
      expect(page).not.toContain('<img src=x');
      expect(page).not.toMatch(/href="javascript:/i);
      expect(page).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    }
  });

  it('shows invisible and bidirectional-control characters in a payload as visible escapes (Trojan Source)', async () => {
    // The attacker (a peer filing the request) hides what the command does: U+202E reverses the
    // rest of the line on screen, U+200B and U+2066 hide inside words, an ESC and a tag character ride along.
    const id = await workflow.request({
      requester: 'peer\u200b',
      description: 'list files \u202e; rm -rf ~',
      payload: { command: 'ls \u2066\u202e/ fr- mr\u2069 \u001b[2J \u{E0041}' },
    });
    const { cookie } = await signIn(server.url, ALICE);
    for (const path of ['/console/approvals', `/console/approvals/${encodeURIComponent(id)}`]) {
      const page = await (await fetch(`${server.url}${path}`, { headers: { cookie } })).text();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: checking none is left
      expect(page).not.toMatch(/[\u200b\u202e\u2066\u2069\u001b]|\u{E0041}/u);
      expect(page).toContain('list files \\u202e; rm -rf ~');
      expect(page).toContain('peer\\u200b');
    }
    const detail = await (
      await fetch(`${server.url}/console/approvals/${encodeURIComponent(id)}`, { headers: { cookie } })
    ).text();
    // Inside the pretty-printed JSON the escapes are JSON's own, so the text still reads as the exact payload.
    expect(detail).toContain('ls \\u2066\\u202e/ fr- mr\\u2069 \\u001b[2J \\udb40\\udc41');
  });

  it('requires a reason, then approves; a second decision says it was already decided', async () => {
    const id = await workflow.request({ requester: 'peer', description: 'run ls', payload: { command: 'ls' } });
    const { cookie, csrf } = await signIn(server.url, ALICE);
    const path = `/console/approvals/${encodeURIComponent(id)}/decide`;
    const empty = await postForm(server.url, path, { csrf, decision: 'approve', reason: '  ' }, { cookie });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('A reason is required');
    expect(await workflow.getStatus(id)).toBe('pending');
    const approved = await postForm(server.url, path, { csrf, decision: 'approve', reason: 'looks fine' }, { cookie });
    expect(approved.status).toBe(303);
    expect(await workflow.getStatus(id)).toBe('approved');
    const bob = await signIn(server.url, BOB);
    const late = await postForm(
      server.url,
      path,
      { csrf: bob.csrf, decision: 'reject', reason: 'no' },
      { cookie: bob.cookie },
    );
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('Nothing was changed. This request was approved by alice');
  });

  it('refuses a replayed approval by the same operator (attacker: an operator posting the decision twice to look like two approvers): nothing is called, nothing recorded twice', async () => {
    const events = createSecurityEventEmitter();
    const approvedInConsole: unknown[] = [];
    events.on('security', (event) => {
      if (event.details?.step === 'console-approve') approvedInConsole.push(event.details);
    });
    await server.close();
    server = await startConsole({ operators, approvals: { workflow }, events });
    const id = await workflow.request({ requester: 'peer', description: 'rotate keys', tier: 'security-review' });
    const { cookie, csrf } = await signIn(server.url, ALICE);
    const path = `/console/approvals/${encodeURIComponent(id)}/decide`;
    const first = await postForm(server.url, path, { csrf, decision: 'approve', reason: 'checked' }, { cookie });
    expect(first.status).toBe(303);
    const replay = await postForm(server.url, path, { csrf, decision: 'approve', reason: 'checked twice' }, { cookie });
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain('Nothing was changed. You approved this request already');
    expect(approvedInConsole).toHaveLength(1);
    const record = await workflow.get(id);
    expect(record.status).toBe('pending');
    expect(record.decisions).toHaveLength(1);
  });

  it('says an approval that was recorded was recorded, even when reading the request back fails (a backend blip), never that it failed or was refused', async () => {
    const id = await workflow.request({ requester: 'peer', description: 'run ls', payload: { command: 'ls' } });
    let failReads = false;
    const blinking: ApprovalWorkflow = Object.create(workflow, {
      get: {
        value: async (requestId: string) => {
          if (failReads) throw new Error('connection reset');
          return workflow.get(requestId);
        },
      },
      approve: {
        value: async (requestId: string, approver: string) => {
          await workflow.approve(requestId, approver);
          failReads = true;
        },
      },
    });
    const errors: unknown[] = [];
    await server.close();
    server = await startConsole({ operators, approvals: { workflow: blinking }, onError: (e) => errors.push(e) });
    const { cookie, csrf } = await signIn(server.url, ALICE);
    const path = `/console/approvals/${encodeURIComponent(id)}/decide`;
    const approved = await postForm(server.url, path, { csrf, decision: 'approve', reason: 'looks fine' }, { cookie });
    expect(await workflow.getStatus(id)).toBe('approved');
    expect(approved.status).toBe(303);
    failReads = false;
    const page = await fetch(`${server.url}${approved.headers.get('location')}`, { headers: { cookie } });
    expect(await page.text()).toContain('Your approval was recorded');
  });

  it('says a request expired meanwhile instead of approving it', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    workflow = createStubApprovalWorkflow({ now: () => now });
    await server.close();
    server = await startConsole({ operators, approvals: { workflow }, killSwitch });
    const id = await workflow.request({ requester: 'peer', description: 'run ls' });
    const { cookie, csrf } = await signIn(server.url, ALICE);
    now += 25 * 60 * 60 * 1000;
    const path = `/console/approvals/${encodeURIComponent(id)}/decide`;
    const late = await postForm(server.url, path, { csrf, decision: 'approve', reason: 'ok' }, { cookie });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('Nothing was changed. This request expired');
    expect(await workflow.getStatus(id)).toBe('expired');
  });

  it('reports a decision made elsewhere through the JSON the page polls', async () => {
    const id = await workflow.request({ requester: 'peer', description: 'run ls' });
    const { cookie } = await signIn(server.url, ALICE);
    await workflow.reject(id, 'bob', 'not today');
    const response = await fetch(`${server.url}/console/api/approvals/${id}`, { headers: { cookie } });
    const status = (await response.json()) as { summary: string };
    expect(status).toMatchObject({ status: 'rejected', decidedBy: 'bob', reason: 'not today' });
    expect(status.summary).toContain('rejected by bob');
  });

  it('pages and filters the queue by tier and requester', async () => {
    for (let index = 0; index < 25; index++) {
      await workflow.request({ requester: index % 2 ? 'odd' : 'even', description: `request ${index}` });
    }
    await workflow.request({ requester: 'lead', description: 'big one', tier: 'team-lead' });
    const { cookie } = await signIn(server.url, ALICE);
    const get = async (query: string) =>
      (await (await fetch(`${server.url}/console/api/approvals${query}`, { headers: { cookie } })).json()) as {
        pending: { id: string }[];
        nextCursor?: string;
      };
    const first = await get('');
    expect(first.pending).toHaveLength(20);
    const second = await get(`?cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(second.pending).toHaveLength(6);
    expect(second.nextCursor).toBeUndefined();
    expect((await get('?tier=team-lead')).pending).toHaveLength(1);
    expect((await get('?requester=odd')).pending).toHaveLength(12);
  });
});

describe('kill switch', () => {
  it('activates with a reason and deactivates only with the confirmation field', async () => {
    const { cookie, csrf } = await signIn(server.url, ALICE);
    await postForm(server.url, '/console/kill-switch/activate', { csrf, reason: 'incident 42' }, { cookie });
    expect(await killSwitch.getState()).toMatchObject({ active: true, reason: 'incident 42', actor: 'alice' });
    const unconfirmed = await postForm(server.url, '/console/kill-switch/deactivate', { csrf }, { cookie });
    expect(unconfirmed.headers.get('location')).toBe('/console/kill-switch/deactivate');
    expect(await killSwitch.isActive()).toBe(true);
    await postForm(server.url, '/console/kill-switch/deactivate', { csrf, confirm: 'release' }, { cookie });
    expect(await killSwitch.isActive()).toBe(false);
    const page = await (await fetch(`${server.url}/console/kill-switch`, { headers: { cookie } })).text();
    expect(page).toContain('incident 42');
  });
});
