import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type ConsoleConfig, type ConsoleHandler, createConsole } from './index.js';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A console on a server of its own (loopback unless told otherwise), for tests. */
export interface ConsoleUnderTest {
  url: string;
  handler: ConsoleHandler;
  close(): Promise<void>;
}

export async function startConsole(config: ConsoleConfig, listenAddress = '127.0.0.1'): Promise<ConsoleUnderTest> {
  const handler = createConsole(config);
  const server: Server = createServer((request, response) =>
    handler(request, response, () => {
      response.statusCode = 418;
      response.end('host route');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, listenAddress, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listenAddress.includes(':') ? `[${listenAddress}]` : listenAddress}:${port}`,
    handler,
    close: () =>
      new Promise((resolve) => {
        handler.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const cookieOf = (response: Response, name: string): string | undefined =>
  response.headers
    .getSetCookie()
    .find((cookie) => cookie.startsWith(`${name}=`))
    ?.split(';')[0];

/** Signs in through the form like a browser; returns the session cookie and the page's CSRF token. */
export async function signIn(
  url: string,
  token: string,
): Promise<{ cookie: string; csrf: string; response: Response }> {
  const page = await fetch(`${url}/console/sign-in`);
  const formCookie = cookieOf(page, 'warden_console_sign_in') ?? '';
  const formToken = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const response = await fetch(`${url}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie, origin: url },
    body: new URLSearchParams({ csrf: formToken, token }).toString(),
  });
  const cookie = cookieOf(response, 'warden_console_session') ?? '';
  let csrf = '';
  if (cookie !== '') {
    const home = await fetch(`${url}/console/kill-switch`, { headers: { cookie } });
    csrf = /name="csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? '';
  }
  return { cookie, csrf, response };
}

/** Posts a form as a page of the console would. */
export function postForm(
  url: string,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** One HTTP exchange from a chosen local address (fetch cannot choose one), body read as text. */
function requestFrom(
  localAddress: string,
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: options.method, headers: options.headers, localAddress },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** Signs in like {@link signIn}, but from `localAddress` (another loopback address, such as 127.0.0.2). */
export async function signInFrom(localAddress: string, url: string, token: string): Promise<{ status: number }> {
  const page = await requestFrom(localAddress, `${url}/console/sign-in`, { method: 'GET', headers: {} });
  const setCookie = [page.headers['set-cookie'] ?? []].flat();
  const formCookie = setCookie.find((cookie) => cookie.startsWith('warden_console_sign_in='))?.split(';')[0] ?? '';
  const formToken = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  const response = await requestFrom(localAddress, `${url}/console/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie, origin: url },
    body: new URLSearchParams({ csrf: formToken, token }).toString(),
  });
  return { status: response.status };
}

/** Sends `raw` bytes as a request (fetch cannot send a malformed target) and returns the response's status line ('' when the connection closes without one). */
export function rawStatusLine(port: number, raw: string, address = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, address, () => socket.end(raw));
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}
