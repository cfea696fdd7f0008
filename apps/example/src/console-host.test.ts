import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './test-host.js';

/** The status line of a GET with a Host of our choosing (fetch cannot set Host). */
function statusLine(url: string, host: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.end(`GET /console/sign-in HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('the console under a name (attacker: a page whose name is rebound to the host address)', () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.dispose();
    host = undefined;
  });

  it('answers the names in server.consoleAllowedHosts and refuses any other Host with 403', async () => {
    host = await startTestHost({
      sections: { server: { host: '127.0.0.1', port: 0, consoleAllowedHosts: ['console.lan'] } },
    });
    const { url } = host.running;
    expect(await statusLine(url, `console.lan:${new URL(url).port}`)).toBe('HTTP/1.1 200 OK');
    expect(await statusLine(url, 'evil.example')).toBe('HTTP/1.1 403 Forbidden');
  });

  it('refuses to start with a consoleAllowedHosts entry that is not a host name', async () => {
    await expect(
      startTestHost({ sections: { server: { host: '127.0.0.1', port: 0, consoleAllowedHosts: ['console.lan:80'] } } }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('allowedHosts.0') });
  });
});
