import type { IncomingMessage as HttpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { dnsRebindingProblem } from './browser-guard.js';

const request = (headers: Record<string, string>): HttpRequest => ({ headers }) as unknown as HttpRequest;

describe('dnsRebindingProblem(request, listenHost)', () => {
  it('a page on another site whose name now resolves to 127.0.0.1 is refused, whatever it calls itself', () => {
    for (const host of ['rebound.example', 'localhost.evil.com', 'localhost.', '127.0.0.1.evil.com', '0.0.0.0']) {
      expect(dnsRebindingProblem(request({ host }), '127.0.0.1')).toBe('the Host header names another site');
      expect(dnsRebindingProblem(request({ host: 'localhost', origin: `http://${host}` }), '127.0.0.1')).toBe(
        'the Origin header names another site',
      );
    }
    expect(dnsRebindingProblem(request({ host: 'localhost', origin: 'null' }), '::1')).toBe(
      'the Origin header names another site',
    );
  });

  it('accepts loopback names and addresses, names under .localhost included (RFC 6761)', () => {
    for (const host of ['localhost:8787', '127.0.0.2', '[::1]:8787', 'ops.localhost:8787']) {
      expect(dnsRebindingProblem(request({ host, origin: `http://${host}` }), '127.0.0.1')).toBeUndefined();
    }
  });

  it('guards a gateway listening on a name under .localhost as on 127.0.0.1', () => {
    expect(dnsRebindingProblem(request({ host: 'rebound.example' }), 'mcp.localhost')).toBe(
      'the Host header names another site',
    );
  });

  it('leaves a gateway listening on another address to its authentication', () => {
    expect(dnsRebindingProblem(request({ host: 'rebound.example' }), '0.0.0.0')).toBeUndefined();
  });
});
