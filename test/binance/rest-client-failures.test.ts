/**
 * What a request that went wrong is classified as (src/errors.ts ExchangeErrorKind), against a
 * real server that refuses timestamps, fails, stalls or hangs up; and proof that no secret
 * reaches a log line at trace level, errors included.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY, API_SECRET, DOC_ORDER_FULL, failureOf, startHarness, type Harness } from './rest-client-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.stub.route('POST /api/v3/order', { body: DOC_ORDER_FULL });
  h.stub.route('GET /api/v3/ticker/price', { body: { symbol: 'BTCUSDT', price: '68000.01' } });
});
afterEach(async () => {
  await h.close();
});

const market = { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '10', newClientOrderId: 'intent-7' } as const;
const routeOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('clock (-1021)', () => {
  it('resynchronises on -1021 and the re-signed order succeeds', async () => {
    const resyncs: number[] = [];
    h.client.events.on('clock-resync', ({ offsetMs }) => resyncs.push(offsetMs));
    await h.client.syncClock();
    h.stub.setClockSkew(30_000); // the exchange clock jumps ahead: our timestamps are now stale

    const order = await h.client.newOrder(market);
    expect(order.orderId).toBe(28);
    expect(h.stub.requests.map(routeOf)).toEqual(['GET /api/v3/time', 'POST /api/v3/order', 'GET /api/v3/time', 'POST /api/v3/order']);
    const [refused, accepted] = h.stub.requestsTo('POST /api/v3/order');
    expect(Number(accepted!.params.get('timestamp')) - Number(refused!.params.get('timestamp'))).toBeGreaterThan(25_000);
    expect(resyncs).toHaveLength(2);
    expect(resyncs[1]).toBeLessThan(-25_000);
    expect(h.client.usage().clockOffsetMs).toBe(resyncs[1]);
  });

  it('retries only once: a second -1021 is EXCHANGE_CLOCK_SKEW', async () => {
    h.stub.route('POST /api/v3/order', { status: 400, body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } });
    const error = await failureOf(h.client.newOrder(market));
    expect([error.code, error.kind]).toEqual(['EXCHANGE_CLOCK_SKEW', 'rejected']);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(2);
  });
});

describe('sign-by deadline (exactly once under a lost lock)', () => {
  it('an order held past its sign-by deadline by the -1021 resync is not sent again', async () => {
    await h.client.syncClock();
    h.stub.route('POST /api/v3/order', { status: 400, body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } });
    // The first attempt is signed in time; the re-signed retry after the resync would be late.
    h.stub.route('GET /api/v3/time', { body: { serverTime: Date.now() }, delayMs: 150 });
    const error = await failureOf(h.client.newOrder(market, { signBy: Date.now() + 100 }));
    expect([error.code, error.kind]).toEqual(['EXCHANGE_SIGN_DEADLINE', 'transient']);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(1);
  });

  it('an order whose deadline has passed is not signed or sent at all; one within it goes out', async () => {
    await h.client.syncClock();
    const late = await failureOf(h.client.newOrder(market, { signBy: Date.now() - 1 }));
    expect([late.code, late.kind]).toEqual(['EXCHANGE_SIGN_DEADLINE', 'transient']);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(0);
    const order = await h.client.newOrder(market, { signBy: Date.now() + 5_000 });
    expect(order.orderId).toBe(28);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(1);
  });
});

describe('server failures', () => {
  it('503 on an order is unknown-outcome and is not resent', async () => {
    h.stub.route('POST /api/v3/order', { status: 503, body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' } });
    const error = await failureOf(h.client.newOrder(market));
    expect([error.code, error.kind, error.httpStatus, error.binanceCode]).toEqual(['EXCHANGE_UNKNOWN_OUTCOME', 'unknown-outcome', 503, -1007]);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(1);
  });

  it('-1006 on a cancel is unknown-outcome', async () => {
    h.stub.route('DELETE /api/v3/order', { status: 400, body: { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' } });
    const error = await failureOf(h.client.cancelOrder({ symbol: 'BTCUSDT', origClientOrderId: 'stop-1' }));
    expect([error.code, error.kind]).toEqual(['EXCHANGE_UNKNOWN_OUTCOME', 'unknown-outcome']);
  });

  it('503 on a read is retried (2 retries), then transient', async () => {
    h.stub.route('GET /api/v3/ticker/price', { status: 503, raw: 'Service Unavailable' });
    const error = await failureOf(h.client.tickerPrice('BTCUSDT'));
    expect([error.code, error.kind, error.httpStatus]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient', 503]);
    expect(h.stub.requestsTo('GET /api/v3/ticker/price')).toHaveLength(3);
  });

  it('a socket hang-up after the order was sent is unknown-outcome; on a read it is transient', async () => {
    h.stub.route('POST /api/v3/order', { hangUp: true });
    // Two at once: one rides the kept-alive socket, the other a freshly connected one.
    const writes = await Promise.all([failureOf(h.client.newOrder(market)), failureOf(h.client.newOrder(market))]);
    for (const write of writes) expect([write.code, write.kind]).toEqual(['EXCHANGE_UNKNOWN_OUTCOME', 'unknown-outcome']);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(2);

    h.stub.route('GET /api/v3/ticker/price', { hangUp: true });
    const read = await failureOf(h.client.tickerPrice('BTCUSDT'));
    expect([read.code, read.kind]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient']);
  });
  it('an answer cut mid-body: unknown-outcome for an order (it executed), transient for a read', async () => {
    h.stub.route('POST /api/v3/order', { body: DOC_ORDER_FULL, cutMidBody: true });
    const write = await failureOf(h.client.newOrder(market));
    expect([write.code, write.kind]).toEqual(['EXCHANGE_UNKNOWN_OUTCOME', 'unknown-outcome']);
    expect(h.stub.requestsTo('POST /api/v3/order')).toHaveLength(1);
    h.stub.route('GET /api/v3/ticker/price', { body: { symbol: 'BTCUSDT', price: '68000.01' }, cutMidBody: true, encoding: 'gzip' });
    const read = await failureOf(h.client.tickerPrice('BTCUSDT'));
    expect([read.code, read.kind]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient']);
  });
});

describe('time-outs and refused connections', () => {
  it('a slow server hits the deadline: unknown-outcome for an order, transient for a read', async () => {
    const client = h.makeClient({ timeoutMs: 300, readRetries: 0 });
    await client.syncClock();
    h.stub.route('POST /api/v3/order', { body: DOC_ORDER_FULL, delayMs: 1_500 });
    h.stub.route('GET /api/v3/ticker/price', { body: { symbol: 'BTCUSDT', price: '1' }, delayMs: 1_500 });

    const write = await failureOf(client.newOrder(market));
    expect([write.code, write.kind]).toEqual(['EXCHANGE_UNKNOWN_OUTCOME', 'unknown-outcome']);
    expect(String((write.cause as Error).message)).toMatch(/timed out after the request was sent/);
    const read = await failureOf(client.tickerPrice('BTCUSDT'));
    expect([read.code, read.kind]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient']);
  });

  it('connection refused is transient, even for an order (it never left)', async () => {
    const client = h.makeClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, readRetries: 1 });
    const read = await failureOf(client.serverTime());
    expect([read.code, read.kind]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient']);
    // The order's clock sync fails first; it must still be transient, never unknown-outcome.
    const write = await failureOf(client.newOrder(market));
    expect([write.code, write.kind]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient']);
  });
});

describe('secrets never reach the log', () => {
  it('at trace level, across successes and every kind of failure, errors logged included', async () => {
    const slow = h.makeClient({ timeoutMs: 200, readRetries: 0 });
    const refused = h.makeClient({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const errors: unknown[] = [];
    const attempt = async (p: Promise<unknown>) => p.catch((e: unknown) => void errors.push(e));

    await attempt(h.client.account());
    await attempt(h.client.newOrder(market));
    h.stub.queue('POST /api/v3/order', { status: 400, body: { code: -2010, msg: 'Account has insufficient balance for requested action.' } });
    await attempt(h.client.newOrder(market));
    h.stub.queue('POST /api/v3/order', { status: 503, body: { code: -1007, msg: 'Timeout waiting for response from backend server.' } });
    await attempt(h.client.newOrder(market));
    h.stub.queue('POST /api/v3/order', { body: DOC_ORDER_FULL, delayMs: 1_000 });
    await attempt(slow.newOrder(market));
    await attempt(refused.newOrder(market));
    h.stub.queue('POST /api/v3/order', { status: 429, headers: { 'Retry-After': '0' }, body: { code: -1003, msg: 'Too much request weight used.' } });
    await attempt(h.client.newOrder(market));
    expect(errors.length).toBeGreaterThanOrEqual(5);
    for (const err of errors) h.logger.error({ err }, 'order failed');

    const signatures = h.stub.requests.map((r) => r.params.get('signature')).filter((s): s is string => s !== null);
    expect(signatures.length).toBeGreaterThanOrEqual(5);
    const log = h.logLines.join('');
    expect(log).toContain('"path":"/api/v3/order"');
    for (const secret of [API_KEY, API_SECRET, ...signatures]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/timestamp=|signature=|X-MBX-APIKEY/i);

    // One debug line per request, with method, path, status, duration and weight fields.
    const lines = h.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'exchange request');
    expect(lines.length).toBeGreaterThan(0);
    expect(Object.keys(lines[0]!)).toEqual(expect.arrayContaining(['method', 'path', 'status', 'ms']));
  });
});

describe('lifecycle', () => {
  it('refreshes the clock periodically until closed; a closed client sends nothing', async () => {
    const client = h.makeClient({ clockRefreshMs: 40 });
    const timeCalls = () => h.stub.requestsTo('GET /api/v3/time').length;
    while (timeCalls() < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let a request already on the wire land
    const after = timeCalls();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(timeCalls()).toBe(after);

    const sent = h.stub.requests.length;
    const error = await failureOf(client.newOrder(market));
    expect([error.code, error.kind]).toEqual(['EXCHANGE_UNAVAILABLE', 'transient']);
    expect(h.stub.requests.length).toBe(sent);
  });
});
