/**
 * A raw `ws` client for the simulator's WebSocket servers in tests: frames are queued so a test
 * awaits them in order, and nothing depends on timing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import type { WsEndpoint } from '../../src/sim/types.js';

export interface TestClient {
  ws: WebSocket;
  /** The next JSON frame (already received or still to come). */
  next(): Promise<Record<string, unknown>>;
  /** Frames received and not yet taken by next(). */
  pending(): number;
  send(payload: unknown): void;
  closed: Promise<{ code: number }>;
}

export async function connectClient(url: string, options: { autoPong?: boolean } = {}): Promise<TestClient> {
  const ws = new WebSocket(url, options);
  const queue: Array<Record<string, unknown>> = [];
  const waiters: Array<(m: Record<string, unknown>) => void> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<{ code: number }>((resolve) => ws.on('close', (code) => resolve({ code })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
    pending: () => queue.length,
    send: (payload) => ws.send(JSON.stringify(payload)),
    closed,
  };
}

/** An HTTP server on loopback that hands upgrades to the endpoints, as the simulator's server does. */
export async function serveEndpoints(endpoints: WsEndpoint[]): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const endpoint = endpoints.find((e) => e.matches(pathname));
    if (endpoint) endpoint.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    base,
    async close() {
      await Promise.all(endpoints.map((e) => e.close()));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
