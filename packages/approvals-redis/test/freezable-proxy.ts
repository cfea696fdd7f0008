import { createConnection, createServer, type Socket } from 'node:net';
import { findFreePort } from '@warden/testing';

/** A TCP proxy to a loopback port that can stop passing bytes, as a replication link that stalls. */
export interface FreezableProxy {
  /** The port it listens on. */
  readonly port: number;
  /** From now on, drops every byte in both directions (the connections stay open). */
  freeze(): void;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

export async function startFreezableProxy(targetPort: number): Promise<FreezableProxy> {
  const port = await findFreePort();
  let frozen = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): Socket => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const server = createServer((downstream) => {
    track(downstream);
    const upstream = track(createConnection({ host: '127.0.0.1', port: targetPort }));
    const pass = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on('close', () => to.destroy());
    };
    pass(downstream, upstream);
    pass(upstream, downstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
