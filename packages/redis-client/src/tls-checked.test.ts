import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLazyRedisConnection, createRedisClient } from './connection.js';

// The attacker is on the path to Redis with a certificate of their own (here self-signed, for
// CN=untrusted.test), and the process's environment has NODE_TLS_REJECT_UNAUTHORIZED=0 (set for a
// proxy, or by a dependency's instructions): a rediss:// URL must still check the certificate.
const UNTRUSTED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvxEXncMpur4NWVKY
f0+cM9kdXHd8dQY60myNNSdEiLWhRANCAAQnnj3wvzeWLxueKhf0clB1dzUzUHVX
rNgoZ6MymzXRK0E9mvHxTgyA6NtSHx/eN64CGf6Upv0c7xWyIzPZ7VW0
-----END PRIVATE KEY-----
`;
const UNTRUSTED_CERT = `-----BEGIN CERTIFICATE-----
MIIBiTCCAS+gAwIBAgIUStv6TTI1cZ2Rz8w6pLDXdwgPrcYwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOdW50cnVzdGVkLnRlc3QwIBcNMjYxMjA3MTkzNTMzWhgPMjEy
NjExMTMxOTM1MzNaMBkxFzAVBgNVBAMMDnVudHJ1c3RlZC50ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEJ5498L83li8bnioX9HJQdXc1M1B1V6zYKGejMps1
0StBPZrx8U4MgOjbUh8f3jeuAhn+lKb9HO8VsiMz2e1VtKNTMFEwHQYDVR0OBBYE
FEs17YAlvLWAbs3A/0P7rdBDk5EPMB8GA1UdIwQYMBaAFEs17YAlvLWAbs3A/0P7
rdBDk5EPMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgATTFLMho
E6J30d8UgFvVLGgdK8YH3NPLKKSd9A3C+5kCIQCY1bfKM+B5vBXXMyamsRLzfAyX
5s7H+la8g/xgWJIjDQ==
-----END CERTIFICATE-----
`;

describe('a rediss:// url checks the server certificate whatever NODE_TLS_REJECT_UNAUTHORIZED says', () => {
  let server: Server;
  let port: number;
  let handshakes = 0;
  const sockets: TLSSocket[] = [];
  const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  beforeEach(async () => {
    handshakes = 0;
    server = createServer({ key: UNTRUSTED_KEY, cert: UNTRUSTED_CERT }, (socket) => {
      handshakes += 1;
      sockets.push(socket);
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('get() refuses a server whose certificate nobody trusts: no TLS session is ever established', async () => {
    const connection = createLazyRedisConnection({ kind: 'url', url: `rediss://127.0.0.1:${port}` }, 2_000);
    try {
      await expect(connection.get()).rejects.toThrow();
      expect(handshakes).toBe(0);
    } finally {
      await connection.close();
    }
  }, 60_000);

  it('the client built for a rediss:// url asks for certificate checking explicitly', () => {
    const client = createRedisClient({ kind: 'url', url: 'rediss://127.0.0.1:1' }, 750) as Redis;
    expect(client.options.tls).toMatchObject({ rejectUnauthorized: true });
    client.disconnect();
  });
});
