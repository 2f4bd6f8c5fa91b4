/**
 * Request weight and order count, as a client sees them: the headers, 429 with Retry-After when
 * over the limit, 418 for a client that keeps sending while told to wait (rest-api.md "LIMITS").
 */
import { afterEach, describe, expect, test } from 'vitest';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

/** Windows are fixed (minute, 10 s): start a sequence well inside one so it cannot straddle two. */
async function awayFromBoundary(windowMs: number, marginMs: number): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('rate limits', () => {
  let sim: TestSimulator | undefined;
  afterEach(() => sim?.close());

  test('weight is reported on every answer; over the limit comes 429, then 418 for a client that ignores it', async () => {
    sim = await startTestSimulator({ options: { weightPerMinute: 50 } });
    await awayFromBoundary(60_000, 5_000);
    const first = await simRequest(sim, 'GET', '/api/v3/exchangeInfo');
    expect(first.headers.get('x-mbx-used-weight-1m')).toBe('20');
    expect((first.body as { rateLimits: unknown[] }).rateLimits).toContainEqual({
      rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 50,
    });
    const second = await simRequest(sim, 'GET', '/api/v3/exchangeInfo');
    expect(second.headers.get('x-mbx-used-weight-1m')).toBe('40');

    const limited = await simRequest(sim, 'GET', '/api/v3/exchangeInfo');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      code: -1003,
      msg: 'Too much request weight used; current limit is 50 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
    });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Ignoring Retry-After: banned, even for a cheap request.
    const banned = await simRequest<{ code: number; msg: string }>(sim, 'GET', '/api/v3/ping');
    expect(banned.status).toBe(418);
    expect(banned.body.code).toBe(-1003);
    const until = Number(/banned until (\d+)\./.exec(banned.body.msg)?.[1]);
    expect(until).toBeGreaterThan(Date.now() + 60_000);
    expect(Number(banned.headers.get('retry-after'))).toBeGreaterThanOrEqual(119);
    expect((await simRequest(sim, 'GET', '/api/v3/time')).status).toBe(418);
  });

  test('successful orders cost no weight; order counts come back in headers; too many orders get 429 -1015', async () => {
    sim = await startTestSimulator({ options: { ordersPer10s: 2 } });
    await awayFromBoundary(10_000, 2_000);
    const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001' };
    const a = await simRequest(sim, 'POST', '/api/v3/order', order);
    expect(a.status).toBe(200);
    expect(a.headers.get('x-mbx-used-weight-1m')).toBe('0');
    expect(a.headers.get('x-mbx-order-count-10s')).toBe('1');
    expect(a.headers.get('x-mbx-order-count-1d')).toBe('1');
    const b = await simRequest(sim, 'POST', '/api/v3/order', order);
    expect(b.headers.get('x-mbx-order-count-10s')).toBe('2');

    const c = await simRequest(sim, 'POST', '/api/v3/order', order);
    expect(c.status).toBe(429);
    expect(c.body).toEqual({ code: -1015, msg: 'Too many new orders; current limit is 2 orders per 10 SECOND.' });
    expect(Number(c.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    expect(sim.control.orders()).toHaveLength(2);

    // The refused order kept its weight (1); the query adds 4.
    const rejected = await simRequest(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId: 99 });
    expect(rejected.headers.get('x-mbx-used-weight-1m')).toBe('5');
  });
});
