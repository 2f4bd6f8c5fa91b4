/**
 * Each injected fault, seen from the client's side of a real socket: what the client gets, and
 * whether the order was executed anyway (the "unknown outcome" cases of BINANCE.md).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { wsSign } from '../../src/binance/signing.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { connectClient } from './ws-test-client.js';

const market = (clientId: string) => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', newClientOrderId: clientId });

describe('faults', () => {
  let sim: TestSimulator;
  beforeEach(async () => {
    sim = await startTestSimulator();
  });
  afterEach(() => sim.close());

  test('error-503-after-execute: the client sees 503 -1007 but the order exists', async () => {
    sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-503-after-execute' });
    const res = await simRequest(sim, 'POST', '/api/v3/order', market('unknown-1'));
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      code: -1007,
      msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.',
    });
    const found = await simRequest(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'unknown-1' });
    expect(found.body).toMatchObject({ status: 'FILLED', clientOrderId: 'unknown-1' });
    // Used up after one request.
    expect((await simRequest(sim, 'POST', '/api/v3/order', market('unknown-2'))).status).toBe(200);
  });

  test('timeout-after-execute: no answer until the client gives up, and the order exists', async () => {
    sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'timeout-after-execute' });
    const query = `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=held-1&timestamp=${Date.now()}`;
    const sent = fetch(`${sim.restUrl}/api/v3/order?${query}&signature=${sim.signer.sign(query)}`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': sim.apiKey },
      signal: AbortSignal.timeout(300),
    });
    await expect(sent).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sim.control.orders().map((o) => [o.clientOrderId, o.status])).toEqual([['held-1', 'FILLED']]);
    expect(sim.control.requests().find((r) => r.path === '/api/v3/order')?.status).toBe(0);
  });

  test('error-500-before: 500 and nothing executed', async () => {
    sim.control.faults.inject({ method: 'POST', path: '/api/v3/order', action: 'error-500-before' });
    const res = await simRequest(sim, 'POST', '/api/v3/order', market('never'));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ code: -1000, msg: 'An unknown error occurred while processing the request.' });
    expect(sim.control.orders()).toEqual([]);
  });

  test('rate-limit-429 and ban-418 answer with Retry-After and execute nothing', async () => {
    sim.control.faults.inject({ path: '/api/v3/order', action: 'rate-limit-429', retryAfterSeconds: 7 });
    sim.control.faults.inject({ path: '/api/v3/order', action: 'ban-418', retryAfterSeconds: 120 });
    const limited = await simRequest<{ code: number }>(sim, 'POST', '/api/v3/order', market('a'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body.code).toBe(-1003);
    const banned = await simRequest<{ code: number; msg: string }>(sim, 'POST', '/api/v3/order', market('b'));
    expect(banned.status).toBe(418);
    expect(banned.headers.get('retry-after')).toBe('120');
    expect(banned.body.msg).toMatch(/^Way too much request weight used; IP banned until \d+\./);
    expect(sim.control.orders()).toEqual([]);
    expect((await simRequest(sim, 'POST', '/api/v3/order', market('c'))).status).toBe(200);
  });

  test('delay: a client with a short timeout gives up; the order still went through', async () => {
    sim.control.faults.inject({ path: '/api/v3/order', action: 'delay', delayMs: 600 });
    const query = `symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newClientOrderId=slow-1&timestamp=${Date.now()}`;
    const sent = fetch(`${sim.restUrl}/api/v3/order?${query}&signature=${sim.signer.sign(query)}`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': sim.apiKey },
      signal: AbortSignal.timeout(100),
    });
    await expect(sent).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sim.control.orders()).toEqual([]); // not yet: the server is still waiting
    await expect.poll(() => sim.control.orders().length, { timeout: 5000 }).toBe(1);
  });

  test('clock-skew: a stale clock offset gets -1021 until the client resyncs from /api/v3/time', async () => {
    sim.control.faults.inject({ action: 'clock-skew', offsetMs: 30_000 });
    const stale = await simRequest(sim, 'GET', '/api/v3/account');
    expect(stale.body).toEqual({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });

    const sentAt = Date.now();
    const time = await simRequest<{ serverTime: number }>(sim, 'GET', '/api/v3/time');
    const offset = time.body.serverTime - sentAt;
    const synced = await simRequest(sim, 'GET', '/api/v3/account', {}, { timestamp: Date.now() + offset });
    expect(synced.status).toBe(200);

    sim.control.faults.clear();
    expect((await simRequest(sim, 'GET', '/api/v3/account')).status).toBe(200);
  });

  test('dropUserStreams cuts the user data stream (and only it); announceShutdown sends serverShutdown', async () => {
    const subscribe = async () => {
      const client = await connectClient(sim.wsApiUrl);
      const params = { apiKey: sim.apiKey, timestamp: Date.now() };
      client.send({ id: 1, method: 'userDataStream.subscribe.signature', params: { ...params, signature: wsSign(params, sim.signer) } });
      expect(await client.next()).toMatchObject({ id: 1, status: 200, result: { subscriptionId: 0 } });
      return client;
    };
    const user = await subscribe();
    const klines = await connectClient(`${sim.streamUrl}/ws/btcusdt@kline_1m`);

    // Events reach the stream while it is up.
    await simRequest(sim, 'POST', '/api/v3/order', market('streamed'));
    expect(await user.next()).toMatchObject({ subscriptionId: 0, event: { e: 'executionReport', x: 'NEW', c: 'streamed' } });

    sim.control.faults.dropUserStreams();
    expect((await user.closed).code).toBe(1006);
    expect(klines.ws.readyState).toBe(klines.ws.OPEN);

    const again = await subscribe();
    sim.control.faults.announceShutdown();
    const frames: Array<Record<string, unknown>> = [];
    for (;;) {
      const frame = await again.next();
      frames.push(frame);
      if ((frame.event as { e?: string } | undefined)?.e === 'serverShutdown') break;
    }
    expect((await again.closed).code).toBe(1001);
    klines.ws.close();
  });
});
