import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

const cookieOf = (response: Response, name: string): string =>
  response.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith(`${name}=`))
    ?.split(';')[0] ?? '';

/** Signs in through the console's form as a browser would; returns the session cookie and CSRF token. */
async function signIn(url: string, token: string): Promise<{ cookie: string; csrf: string }> {
  const form = await fetch(`${url}/console/sign-in`);
  const formToken = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const response = await fetch(`${url}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieOf(form, 'warden_console_sign_in'),
      origin: url,
    },
    body: new URLSearchParams({ csrf: formToken, token }).toString(),
  });
  const cookie = cookieOf(response, 'warden_console_session');
  const page = await fetch(`${url}/console/kill-switch`, { headers: { cookie } });
  return { cookie, csrf: /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '' };
}

describe('the kill switch flipped from the console (attacker: an operator who would rather leave no trace)', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('is recorded in the audit trail, who and why, as when it is flipped through the API', async () => {
    host = await startTestHost();
    const { url } = host.running;
    const { cookie, csrf } = await signIn(url, host.actors.operator.token);
    const post = (path: string, fields: Record<string, string>) =>
      fetch(`${url}/console/kill-switch/${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: url },
        body: new URLSearchParams({ csrf, ...fields }).toString(),
      });
    expect((await post('activate', { reason: 'incident 7' })).status).toBe(303);
    expect((await post('deactivate', { confirm: 'release' })).status).toBe(303);
    const changes = host.events.filter((event) => event.type.startsWith('kill_switch_'));
    expect(changes).toMatchObject([
      { type: 'kill_switch_activated', details: { actor: 'alice', reason: 'incident 7' } },
      { type: 'kill_switch_deactivated', details: { actor: 'alice' } },
    ]);
  });
});
