/**
 * A TCP proxy on loopback between a client and a real server, for network failures no server
 * can fake by itself: `blackhole()` keeps every socket open but stops forwarding bytes both ways,
 * as a dead NAT entry or a half-open connection does (no FIN, no RST, just silence).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** URL of `targetUrl` rewritten to go through the proxy. */
  via(targetUrl: string): string;
  /** Open connections go silent (nothing forwarded, nothing closed); new ones still work. */
  blackhole(): void;
  /** Drops every open connection (RST) and, while `down`, every new one: the network is gone. */
  setDown(down: boolean): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; silent: boolean }>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream, silent: false };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!pair.silent) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.silent) client.write(chunk);
    });
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    via(targetUrl) {
      const url = new URL(targetUrl);
      url.host = `127.0.0.1:${port}`;
      return url.toString().replace(/\/$/, '');
    },
    blackhole() {
      for (const pair of pairs) pair.silent = true;
    },
    setDown(value) {
      down = value;
      if (!value) return;
      for (const pair of [...pairs]) {
        pair.client.resetAndDestroy();
        pair.upstream.destroy();
      }
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
