/**
 * Rate limits (rest-api.md "IP Limits"): after a 429 or 418 no request may leave until
 * Retry-After has passed. Asserted on the stub's log of arrival times, i.e. on what actually
 * reached the server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRequestGate } from '../../src/binance/request-gate.js';
import { DOC_ORDER_FULL, failureOf, startHarness, type Harness } from './rest-client-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.stub.route('GET /api/v3/ticker/price', { body: { symbol: 'BTCUSDT', price: '68000.01' } });
  h.stub.route('POST /api/v3/order', { body: DOC_ORDER_FULL });
  await h.client.syncClock();
});
afterEach(async () => {
  await h.close();
});

const market = { symbol: 'BTCUSDT', side: 'SELL', type: 'MARKET', quantity: '10' } as const;

describe('the shared gate', () => {
  it('a 429 with Retry-After: 2 stops every request for 2 s, then they flow', async () => {
    const limited: unknown[] = [];
    h.client.events.on('rate-limited', (e) => limited.push(e));
    h.stub.queue('GET /api/v3/ticker/price', {
      status: 429,
      headers: { 'Retry-After': '2' },
      body: { code: -1003, msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.' },
    });
    const error = await failureOf(h.client.tickerPrice('BTCUSDT'));
    expect([error.code, error.kind, error.retryAfterMs, error.binanceCode]).toEqual(['EXCHANGE_RATE_LIMITED', 'rate-limited', 2000, -1003]);
    expect(limited).toEqual([{ retryAfterMs: 2000, status: 429 }]);
    expect(h.client.usage().blockedUntil).toBeGreaterThan(Date.now());

    const limitedAt = h.stub.repliedAt.get(h.stub.requests.length - 1)!;
    const before = h.stub.requests.length;
    // A read, an order and a second read, all issued right away.
    const results = await Promise.all([h.client.tickerPrice('BTCUSDT'), h.client.newOrder(market), h.client.tickerPrice('BTCUSDT')]);
    expect(results[1].orderId).toBe(28);

    const after = h.stub.requests.slice(before);
    expect(after).toHaveLength(3);
    for (const r of after) expect(r.arrivedAt - limitedAt).toBeGreaterThanOrEqual(2000);
    expect(h.client.usage().blockedUntil).toBe(0);
  });

  it('a 418 holds every request, raises `banned`, and lets requests through when the ban ends', async () => {
    const bans: unknown[] = [];
    h.client.events.on('banned', (e) => bans.push(e));
    h.stub.queue('POST /api/v3/order', {
      status: 418,
      headers: { 'Retry-After': '1' },
      body: { code: -1003, msg: 'Way too much request weight used; IP banned until 1700000000000.' },
    });
    const error = await failureOf(h.client.newOrder(market));
    expect([error.code, error.kind, error.retryAfterMs, error.httpStatus]).toEqual(['EXCHANGE_IP_BANNED', 'rate-limited', 1000, 418]);
    expect(bans).toEqual([{ retryAfterMs: 1000 }]);

    const bannedAt = h.stub.repliedAt.get(h.stub.requests.length - 1)!;
    await h.client.tickerPrice('BTCUSDT');
    expect(h.stub.requests.at(-1)!.arrivedAt - bannedAt).toBeGreaterThanOrEqual(1000);
  });

  it('a hold longer than maxGateWaitMs fails at once with the time left, and nothing is sent', async () => {
    h.stub.queue('GET /api/v3/ticker/price', { status: 418, headers: { 'Retry-After': '120' }, body: { code: -1003, msg: 'IP banned.' } });
    await failureOf(h.client.tickerPrice('BTCUSDT'));
    const sent = h.stub.requests.length;

    const held = await failureOf(h.client.newOrder(market));
    expect([held.code, held.kind, held.httpStatus]).toEqual(['EXCHANGE_IP_BANNED', 'rate-limited', undefined]);
    expect(held.retryAfterMs).toBeGreaterThan(110_000);
    expect(held.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(h.stub.requests.length).toBe(sent);
  });

  it('one gate shared by two clients: a 429 seen by one holds the other', async () => {
    const gate = createRequestGate();
    const a = h.makeClient({ gate });
    const b = h.makeClient({ gate, maxGateWaitMs: 1_000 });
    h.stub.queue('GET /api/v3/ticker/price', { status: 429, headers: { 'Retry-After': '30' }, body: { code: -1003, msg: 'Too much request weight used.' } });
    await failureOf(a.tickerPrice('BTCUSDT'));
    const sent = h.stub.requests.length;
    const held = await failureOf(b.tickerPrice('BTCUSDT'));
    expect([held.code, held.kind]).toEqual(['EXCHANGE_RATE_LIMITED', 'rate-limited']);
    expect(h.stub.requests.length).toBe(sent);
  });

  it('the per-account order-count 429 (-1015, no Retry-After) does not hold reads', async () => {
    h.stub.queue('POST /api/v3/order', { status: 429, body: { code: -1015, msg: 'Too many new orders; current limit is 50 orders per 10 SECOND.' } });
    const error = await failureOf(h.client.newOrder(market));
    expect([error.code, error.kind, error.retryAfterMs]).toEqual(['EXCHANGE_RATE_LIMITED', 'rate-limited', 10_000]);
    expect(h.client.usage().blockedUntil).toBe(0);
    await h.client.tickerPrice('BTCUSDT');
  });
});

describe('usage headers and metrics', () => {
  it('reads X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-* into usage() and the gauges', async () => {
    h.stub.queue('POST /api/v3/order', {
      body: DOC_ORDER_FULL,
      headers: { 'X-MBX-USED-WEIGHT-1M': '1234', 'X-MBX-ORDER-COUNT-10S': '7', 'X-MBX-ORDER-COUNT-1D': '321' },
    });
    await h.client.newOrder(market);
    h.stub.queue('GET /api/v3/ticker/price', { status: 503, body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' } });
    await h.client.tickerPrice('BTCUSDT'); // 503 then a retry that succeeds

    expect(h.client.usage()).toMatchObject({ usedWeight1m: 1234, orderCount10s: 7, orderCount1d: 321, blockedUntil: 0 });
    const text = await h.registry.metrics();
    expect(text).toContain('binance_chatops_exchange_used_weight_1m 1234');
    expect(text).toContain('binance_chatops_exchange_order_count_10s 7');
    expect(text).toContain('binance_chatops_exchange_order_count_1d 321');
    expect(text).toMatch(/binance_chatops_exchange_request_duration_seconds_count\{endpoint="POST \/api\/v3\/order",outcome="ok"\} 1/);
    expect(text).toMatch(/binance_chatops_exchange_request_duration_seconds_count\{endpoint="GET \/api\/v3\/ticker\/price",outcome="transient"\} 1/);
    expect(text).toMatch(/binance_chatops_exchange_errors_total\{kind="transient"\} 1/);
  });
});
