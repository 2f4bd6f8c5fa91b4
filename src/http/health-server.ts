/**
 * Every process serves GET /healthz and GET /metrics on PORT (DESIGN.md §1). In webhook mode the
 * bot's update handler is mounted on the same server, and the `bot` role adds the Mini App under
 * /app (DESIGN.md §12).
 *
 * One fastify instance with pino (ours) as its logger. Routes written against Node's own request
 * and response (the Telegram webhook, which reads its body under its own bound) are tried, in
 * order, for whatever the fastify routes do not answer; their bodies are left unread by fastify
 * (a parser that takes nothing), so a body's bound is the route's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
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
  /** Extra routes on Node's request and response (the Telegram webhook): return true when handled. */
  routes?: Array<(req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>>;
  /** Fastify plugins (the Mini App), each registered in its own encapsulated context. */
  plugins?: FastifyPluginAsync[];
}

export interface HealthServer {
  /** The address actually bound (HOST), as the OS reports it. */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;
/** Requests that arrive while closing get this long before their connections are cut. */
const CLOSE_GRACE_MS = 1_000;
/** The default for fastify-parsed bodies; a plugin sets its own lower bound per route. */
const DEFAULT_BODY_LIMIT = 64 * 1024;

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

/** Health and metrics, the raw-route fallback and the plugins on one fastify instance, not listening yet. */
export function buildHttpApp(deps: Omit<HealthServerDeps, 'port' | 'host'>): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ module: 'http' }) as FastifyBaseLogger,
    // Probes and scrapers every few seconds would drown the log; failures are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // The webhook answers 200 within its own time limit; nothing here should hold a socket forever.
    forceCloseConnections: 'idle',
  });

  app.get('/healthz', async (_request, reply) => {
    const results = await Promise.all(deps.checks.map(async (c) => [c.name, await runCheck(c)] as const));
    const healthy = results.every(([, ok]) => ok);
    return reply
      .code(healthy ? 200 : 503)
      .type('application/json')
      .send(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', checks: Object.fromEntries(results) }));
  });

  app.get('/metrics', async (_request, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));

  for (const plugin of deps.plugins ?? []) void app.register(plugin);

  const routes = deps.routes ?? [];
  void app.register(async (raw) => {
    // Whatever the body, fastify reads none of it: a raw route reads its own, under its own bound.
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    raw.all('*', async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      try {
        for (const route of routes) if (await route(request.raw, res)) return;
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      } catch (error) {
        deps.logger.error({ err: error }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500).end();
      }
    });
  });

  return app;
}

export async function startHealthServer(deps: HealthServerDeps): Promise<HealthServer> {
  const app = buildHttpApp(deps);
  await app.listen({ port: deps.port, host: deps.host ?? '0.0.0.0' });
  const { address: host, port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    close() {
      // Keep-alive scrapers and live (SSE) streams must not hold shutdown open.
      closing ??= (async () => {
        const cut = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS);
        cut.unref();
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
      })();
      return closing;
    },
  };
}
