/**
 * A tiny loopback TCP proxy for fault injection between a client and redis-server.
 * `blackhole(true)` drops every server->client byte (replies vanish, the connection
 * stays open); `cutOnNextReply()` lets the next request through, then swallows the
 * server's reply and resets the client connection (a reply lost to a connection drop
 * after the command was executed); `cutOnNextReply(/EVALSHA/)` waits for a request that
 * matches (so a health-check PING in between is answered as usual). `close()` ends
 * everything.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Number of client connections accepted so far. */
  readonly accepted: number;
  blackhole(on: boolean): void;
  /** Cuts at the reply that follows the next request (matching `request`, when given). */
  cutOnNextReply(request?: RegExp): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let blackholed = false;
  let cutArmed = false;
  let cutAfter: RegExp | undefined;
  let accepted = 0;

  const server: Server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: targetHost, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const teardown = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    client.on('data', (chunk: Buffer) => {
      if (cutAfter?.test(chunk.toString('latin1'))) {
        cutAfter = undefined;
        cutArmed = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (cutArmed) {
        cutArmed = false;
        client.resetAndDestroy();
        teardown();
        return;
      }
      if (!blackholed) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get accepted() {
      return accepted;
    },
    blackhole(on: boolean) {
      blackholed = on;
    },
    cutOnNextReply(request?: RegExp) {
      if (request) cutAfter = request;
      else cutArmed = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
