/**
 * The floor the proxy is measured against: a Node process in the same place as the proxy that
 * only relays bytes (no parsing, no policy, no events). `byte-relay.ts stdio -- <server…>` pipes
 * stdin and stdout through to the server; `byte-relay.ts http <port> <upstream url>` forwards
 * each request over kept-alive connections and streams the answer back. What it costs over
 * direct is what one more process hop costs on this machine, before any enforcement.
 */
import { spawn } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';

const [mode, ...rest] = process.argv.slice(2);

if (mode === 'stdio') {
  const [file, ...args] = rest.slice(rest.indexOf('--') + 1);
  if (!file) throw new Error('byte-relay stdio -- <server command>');
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  process.stdin.pipe(child.stdin);
  child.stdout.pipe(process.stdout);
  process.stdin.once('end', () => child.kill());
} else {
  const [port, upstream] = rest;
  const url = new URL(upstream ?? '');
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
  createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string | number> = { 'content-length': body.length };
      for (const name of ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version']) {
        const value = incoming.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const forward = request(
        { hostname: url.hostname, port: url.port, path: url.pathname, method: incoming.method, agent, headers },
        (answer) => {
          const answerHeaders: Record<string, string> = {};
          for (const name of ['content-type', 'mcp-session-id']) {
            const value = answer.headers[name];
            if (typeof value === 'string') answerHeaders[name] = value;
          }
          outgoing.writeHead(answer.statusCode ?? 502, answerHeaders);
          answer.pipe(outgoing);
        },
      );
      forward.once('error', () => outgoing.destroy());
      forward.end(body);
    });
  }).listen(Number(port), '127.0.0.1');
}
