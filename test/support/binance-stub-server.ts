/**
 * A small Binance-shaped HTTP server for REST client tests: real sockets on loopback, scripted
 * per scenario. It verifies HMAC signatures the way Binance does (over the exact received query
 * string and body, signature removed), checks the API key header and the timestamp window
 * against its own clock (which a test may skew), and logs every arrival with its time so tests
 * assert on what reached the server rather than on what the client believes it did.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';

export interface StubRequest {
  method: string;
  path: string;
  /** The raw query string as received (no leading `?`). */
  rawQuery: string;
  params: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Date.now() when the request arrived. */
  arrivedAt: number;
  /** For signed requests: whether the signature verified. */
  signatureValid?: boolean;
}

export interface StubReply {
  status?: number;
  /** JSON-serialised unless `raw` is set. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (a slow server). */
  delayMs?: number;
  /** Drop the connection without answering (a socket hang-up after the request arrived). */
  hangUp?: boolean;
  /** Compress the body as Binance does when the request accepts it. */
  encoding?: 'gzip' | 'deflate' | 'br';
  /** Send the headers and half the body, then drop the connection. */
  cutMidBody?: boolean;
}

export type StubHandler = (request: StubRequest) => StubReply | Promise<StubReply>;

export interface BinanceStub {
  url: string;
  /** Every request received, in arrival order. */
  readonly requests: StubRequest[];
  /** Arrival times of replies sent, by request index. */
  readonly repliedAt: Map<number, number>;
  /** Persistent handler for `METHOD /path`. */
  route(route: string, handler: StubHandler | StubReply): void;
  /** One-shot replies for `METHOD /path`, consumed in order before the persistent handler. */
  queue(route: string, ...replies: StubReply[]): void;
  /** Server clock = Date.now() + skew (for -1021 scenarios). */
  setClockSkew(ms: number): void;
  serverTime(): number;
  requestsTo(route: string): StubRequest[];
  close(): Promise<void>;
}

export interface StubOptions {
  apiKey: string;
  apiSecret: string;
}

export async function startBinanceStub(options: StubOptions): Promise<BinanceStub> {
  const requests: StubRequest[] = [];
  const repliedAt = new Map<number, number>();
  const routes = new Map<string, StubHandler>();
  const queues = new Map<string, StubReply[]>();
  let skewMs = 0;
  const serverTime = () => Date.now() + skewMs;

  routes.set('GET /api/v3/time', () => ({ body: { serverTime: serverTime() } }));
  routes.set('GET /api/v3/ping', () => ({ body: {} }));

  function checkSigned(req: StubRequest): StubReply | undefined {
    const signatureAt = req.rawQuery.lastIndexOf('&signature=');
    const bodySignatureAt = req.body.lastIndexOf('&signature=');
    if (signatureAt < 0 && bodySignatureAt < 0) return undefined;
    const query = signatureAt >= 0 ? req.rawQuery.slice(0, signatureAt) : req.rawQuery;
    const body = bodySignatureAt >= 0 ? req.body.slice(0, bodySignatureAt) : req.body;
    const given = decodeURIComponent(
      signatureAt >= 0 ? req.rawQuery.slice(signatureAt + 11) : req.body.slice(bodySignatureAt + 11),
    );
    const expected = createHmac('sha256', options.apiSecret).update(query + body).digest('hex');
    req.signatureValid = given === expected;
    if (req.headers['x-mbx-apikey'] !== options.apiKey) {
      return { status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } };
    }
    if (!req.signatureValid) return { status: 400, body: { code: -1022, msg: 'Signature for this request is not valid.' } };
    const timestamp = Number(req.params.get('timestamp'));
    const recvWindow = Number(req.params.get('recvWindow') ?? 5000);
    const now = serverTime();
    if (!(timestamp < now + 1000 && now - timestamp <= recvWindow)) {
      return { status: 400, body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const rawQuery = q >= 0 ? rawUrl.slice(q + 1) : '';
    const entry: StubRequest = {
      method: req.method ?? 'GET',
      path,
      rawQuery,
      params: new URLSearchParams(rawQuery),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      arrivedAt,
    };
    const index = requests.push(entry) - 1;
    const route = `${entry.method} ${path}`;
    let reply = checkSigned(entry);
    if (reply === undefined) {
      const queued = queues.get(route)?.shift();
      const handler = routes.get(route);
      reply = queued ?? (handler ? await handler(entry) : { status: 404, raw: '<html><body>Not Found</body></html>' });
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    if (reply.hangUp) {
      res.socket?.destroy();
      return;
    }
    const text = reply.raw ?? JSON.stringify(reply.body ?? {});
    const payload = reply.encoding === 'gzip' ? gzipSync(text) : reply.encoding === 'deflate' ? deflateSync(text) : reply.encoding === 'br' ? brotliCompressSync(text) : Buffer.from(text);
    res.writeHead(reply.status ?? 200, {
      'content-type': reply.raw !== undefined ? 'text/html' : 'application/json;charset=UTF-8',
      ...(reply.encoding ? { 'content-encoding': reply.encoding } : {}),
      ...(reply.cutMidBody ? { 'content-length': String(payload.length) } : {}),
      ...reply.headers,
    });
    repliedAt.set(index, Date.now());
    if (reply.cutMidBody) {
      res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
      return;
    }
    res.end(payload);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    repliedAt,
    route(route, handler) {
      routes.set(route, typeof handler === 'function' ? handler : () => handler);
    },
    queue(route, ...replies) {
      queues.set(route, [...(queues.get(route) ?? []), ...replies]);
    },
    setClockSkew(ms) {
      skewMs = ms;
    },
    serverTime,
    requestsTo: (route) => requests.filter((r) => `${r.method} ${r.path}` === route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
