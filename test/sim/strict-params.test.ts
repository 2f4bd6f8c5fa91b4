/**
 * Parameters Binance does not read are refused (-1104), cancelRestrictions is enforced (-1145,
 * -2011), and X-MBX-ORDER-COUNT-* counts accepted orders only (rest-api.md "New order",
 * "Cancel order", "Unfilled Order Count"; errors.md). Over HTTP against the real simulator.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { wsSign } from '../../src/binance/signing.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { connectClient } from './ws-test-client.js';

const limit = (over: Record<string, string> = {}) => ({
  symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000', ...over,
});

describe('strict parameters', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' } });
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  test('an unknown parameter on a new order: -1104, counted as Binance counts (timestamp and signature are read)', async () => {
    const res = await simRequest(sim, 'POST', '/api/v3/order', { ...limit(), foo: 'bar' });
    // symbol side type timeInForce quantity price foo timestamp signature: 9 sent, 8 read.
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { code: -1104, msg: "Not all sent parameters were read; read '8' parameter(s) but was sent '9'." },
    });
    expect(sim.control.orders()).toEqual([]);
  });

  test('a misspelt optional parameter fails instead of being ignored; recvWindow is read', async () => {
    const res = await simRequest(sim, 'POST', '/api/v3/order', { ...limit(), newClientOrderID: 'abc', recvWindow: 5000 });
    expect(res.body).toEqual({ code: -1104, msg: "Not all sent parameters were read; read '9' parameter(s) but was sent '10'." });
    const ok = await simRequest(sim, 'POST', '/api/v3/order', { ...limit(), newClientOrderId: 'abc', recvWindow: 5000 });
    expect(ok.status).toBe(200);
  });

  test('public endpoints too: klines with timeZone (UTC only here) and a ticker with junk', async () => {
    const k = await simRequest(sim, 'GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval: '1h', timeZone: '8' });
    expect(k.body).toEqual({ code: -1104, msg: "Not all sent parameters were read; read '2' parameter(s) but was sent '3'." });
    const t = await simRequest(sim, 'GET', '/api/v3/ticker/price', { symbol: 'BTCUSDT', x: '1', y: '2' });
    expect(t.body).toEqual({ code: -1104, msg: "Not all sent parameters were read; read '1' parameter(s) but was sent '3'." });
    const time = await simRequest(sim, 'GET', '/api/v3/time');
    expect(time.status).toBe(200);
  });

  test('trade history, commission and order-list reads are strict as well', async () => {
    const trades = await simRequest(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', formId: '1' });
    expect(trades.body).toEqual({ code: -1104, msg: "Not all sent parameters were read; read '3' parameter(s) but was sent '4'." });
    const commission = await simRequest(sim, 'GET', '/api/v3/account/commission', { symbol: 'BTCUSDT', foo: 'bar' });
    expect((commission.body as { code: number }).code).toBe(-1104);
    const lists = await simRequest(sim, 'GET', '/api/v3/allOrderList', { limit: '10', symbol: 'BTCUSDT' });
    expect((lists.body as { code: number }).code).toBe(-1104);
    const publicTrades = await simRequest(sim, 'GET', '/api/v3/trades', { symbol: 'BTCUSDT', limit: '5', fromId: '1' });
    expect((publicTrades.body as { code: number }).code).toBe(-1104);
    expect((await simRequest(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', fromId: '0' })).status).toBe(200);
  });

  test('cancel and account endpoints are strict as well', async () => {
    const placed = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', limit());
    const cancel = await simRequest(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: placed.body.orderId, side: 'BUY' });
    expect(cancel.body).toEqual({ code: -1104, msg: "Not all sent parameters were read; read '4' parameter(s) but was sent '5'." });
    const account = await simRequest(sim, 'GET', '/api/v3/account', { omitZeroBalances: true, symbol: 'BTCUSDT' });
    expect(account.body).toEqual({ code: -1104, msg: "Not all sent parameters were read; read '3' parameter(s) but was sent '4'." });
  });
});

describe('cancelRestrictions', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    // Depth 0.005 BTC per tick: a marketable 0.01 BUY fills half and rests PARTIALLY_FILLED.
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' }, depth: '0.005' });
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  test('an invalid value: -1145 "Invalid cancelRestrictions", nothing cancelled', async () => {
    const placed = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', limit());
    const res = await simRequest(sim, 'DELETE', '/api/v3/order', { symbol: 'BTCUSDT', orderId: placed.body.orderId, cancelRestrictions: 'ONLY_FILLED' });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { code: -1145, msg: 'Invalid cancelRestrictions' } });
    expect(sim.control.orders()[0]!.status).toBe('NEW');
  });

  test('ONLY_PARTIALLY_FILLED on a NEW order: -2011; ONLY_NEW cancels it', async () => {
    const placed = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', limit());
    const ref = { symbol: 'BTCUSDT', orderId: placed.body.orderId };
    const refused = await simRequest(sim, 'DELETE', '/api/v3/order', { ...ref, cancelRestrictions: 'ONLY_PARTIALLY_FILLED' });
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 400, body: { code: -2011, msg: 'Order was not canceled due to cancel restrictions.' },
    });
    const done = await simRequest<{ status: string }>(sim, 'DELETE', '/api/v3/order', { ...ref, cancelRestrictions: 'ONLY_NEW' });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('CANCELED');
  });

  test('ONLY_NEW on a PARTIALLY_FILLED order: -2011; ONLY_PARTIALLY_FILLED cancels it', async () => {
    const placed = await simRequest<{ orderId: number; status: string }>(sim, 'POST', '/api/v3/order', limit({ price: '70000' }));
    expect(placed.body.status).toBe('PARTIALLY_FILLED');
    const ref = { symbol: 'BTCUSDT', orderId: placed.body.orderId };
    const refused = await simRequest(sim, 'DELETE', '/api/v3/order', { ...ref, cancelRestrictions: 'ONLY_NEW' });
    expect(refused.body).toEqual({ code: -2011, msg: 'Order was not canceled due to cancel restrictions.' });
    const done = await simRequest<{ status: string }>(sim, 'DELETE', '/api/v3/order', { ...ref, cancelRestrictions: 'ONLY_PARTIALLY_FILLED' });
    expect(done.body.status).toBe('CANCELED');
  });

  test('cancelReplace: the restricted cancel fails (-2011 in cancelResponse), STOP_ON_FAILURE places nothing', async () => {
    const placed = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', limit());
    const res = await simRequest<{ code: number; data: Record<string, unknown> }>(sim, 'POST', '/api/v3/order/cancelReplace', {
      ...limit({ price: '59000' }), cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: placed.body.orderId,
      cancelRestrictions: 'ONLY_PARTIALLY_FILLED',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(-2022);
    expect(res.body.data).toMatchObject({
      cancelResult: 'FAILURE', newOrderResult: 'NOT_ATTEMPTED',
      cancelResponse: { code: -2011, msg: 'Order was not canceled due to cancel restrictions.' },
    });
    const bad = await simRequest(sim, 'POST', '/api/v3/order/cancelReplace', {
      ...limit({ price: '59000' }), cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: placed.body.orderId, cancelRestrictions: 'NEW',
    });
    expect(bad.body).toEqual({ code: -1145, msg: 'Invalid cancelRestrictions' });
  });
});

describe('X-MBX-ORDER-COUNT-*', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '1000' } });
  });
  afterAll(() => sim.close());

  test('counts accepted orders only: filter failures, unread parameters and insufficient balance do not count', async () => {
    // The 10 s window is fixed: start well inside one.
    const left = 10_000 - (Date.now() % 10_000);
    if (left < 3_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    sim.control.reset();
    const count = (r: { headers: Headers }) => [r.headers.get('x-mbx-order-count-10s'), r.headers.get('x-mbx-order-count-1d')];

    const first = await simRequest(sim, 'POST', '/api/v3/order', limit({ quantity: '0.001' }));
    expect(first.status).toBe(200);
    expect(count(first)).toEqual(['1', '1']);

    const filter = await simRequest(sim, 'POST', '/api/v3/order', limit({ quantity: '0.00000001' }));
    expect((filter.body as { code: number }).code).toBe(-1013);
    const unread = await simRequest(sim, 'POST', '/api/v3/order', { ...limit({ quantity: '0.001' }), foo: '1' });
    expect((unread.body as { code: number }).code).toBe(-1104);
    const poor = await simRequest(sim, 'POST', '/api/v3/order', limit({ quantity: '1' }));
    expect(poor.body).toEqual({ code: -2010, msg: 'Account has insufficient balance for requested action.' });

    const second = await simRequest(sim, 'POST', '/api/v3/order', limit({ quantity: '0.001' }));
    expect(count(second)).toEqual(['2', '2']);
    const usage = await simRequest<Array<{ interval: string; count: number }>>(sim, 'GET', '/api/v3/rateLimit/order');
    expect(usage.body.map((l) => [l.interval, l.count])).toEqual([['SECOND', 2], ['DAY', 2]]);
  });
});

describe('over the WebSocket API', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' } });
  });
  afterAll(() => sim.close());

  test('order.place with an unread parameter: -1104, nothing placed; order.cancel checks cancelRestrictions', async () => {
    const client = await connectClient(sim.wsApiUrl);
    let seq = 0;
    const call = async (method: string, params: Record<string, string | number>) => {
      const id = `r${++seq}`;
      const all = { ...params, apiKey: sim.apiKey, timestamp: Date.now() };
      client.send({ id, method, params: { ...all, signature: wsSign(all, sim.signer) } });
      for (;;) {
        const frame = await client.next();
        if (frame.id === id) return frame as { status: number; error?: { code: number; msg: string }; result?: { orderId: number } };
      }
    };
    const refused = await call('order.place', { ...limit(), foo: 'bar' });
    expect(refused.status).toBe(400);
    expect(refused.error?.code).toBe(-1104);
    expect(refused.error?.msg).toMatch(/^Not all sent parameters were read; read '\d+' parameter\(s\) but was sent '\d+'\.$/);
    expect(sim.control.orders()).toEqual([]);

    const placed = await call('order.place', limit());
    expect(placed.status).toBe(200);
    const bad = await call('order.cancel', { symbol: 'BTCUSDT', orderId: placed.result!.orderId, cancelRestrictions: 'NOPE' });
    expect(bad.error).toEqual({ code: -1145, msg: 'Invalid cancelRestrictions' });
    const restricted = await call('order.cancel', { symbol: 'BTCUSDT', orderId: placed.result!.orderId, cancelRestrictions: 'ONLY_PARTIALLY_FILLED' });
    expect(restricted.error).toEqual({ code: -2011, msg: 'Order was not canceled due to cancel restrictions.' });
    client.ws.close();
  });
});
