/**
 * Every process serves GET /healthz and GET /metrics on PORT (DESIGN.md §1). In webhook mode the
 * bot's update handler is mounted on the same server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';

export interface HealthCheck {
  name: string;
  /** Resolves true when healthy; a check that throws or takes over 2 s counts as unhealthy. */
  check(): Promise<boolean>;
}

export interface HealthServerDeps {
  port: number;
  /** HOST; default 0.0.0.0 (every IPv4 interface: a container's health probe comes from outside). */
  host?: string;
  registry: Registry;
  checks: HealthCheck[];
  logger: Logger;
  /** Extra routes (the Telegram webhook): return true when handled. */
  routes?: Array<(req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>>;
}

export interface HealthServer {
  /** The address actually bound (HOST), as the OS reports it. */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: HealthCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check.check(),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function startHealthServer(deps: HealthServerDeps): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'http handler failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      const results = await Promise.all(deps.checks.map(async (c) => [c.name, await runCheck(c)] as const));
      const healthy = results.every(([, ok]) => ok);
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', checks: Object.fromEntries(results) }));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      const body = await deps.registry.metrics();
      res.writeHead(200, { 'content-type': deps.registry.contentType });
      res.end(body);
      return;
    }
    for (const route of deps.routes ?? []) if (await route(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host ?? '0.0.0.0', () => resolve());
  });
  const { address: host, port } = server.address() as AddressInfo;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeIdleConnections();
        server.close(() => resolve());
        // Keep-alive scrapers must not hold shutdown open.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      }),
  };
}
