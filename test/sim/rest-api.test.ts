/**
 * REST paths and payload shapes as rest-api.md shows them: market data from the feed, the
 * response types of new orders, queries, cancels, and where parameters may travel.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { wsSign } from '../../src/binance/signing.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { connectClient } from './ws-test-client.js';

describe('REST API', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' } });
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  test('ping, time, and exchangeInfo for one symbol or a list', async () => {
    expect((await simRequest(sim, 'GET', '/api/v3/ping')).body).toEqual({});
    const before = Date.now();
    const { serverTime } = (await simRequest<{ serverTime: number }>(sim, 'GET', '/api/v3/time')).body;
    expect(serverTime).toBeGreaterThanOrEqual(before);
    const one = await simRequest<{ symbols: Array<{ symbol: string }> }>(sim, 'GET', '/api/v3/exchangeInfo', { symbol: 'ETHUSDT' });
    expect(one.body.symbols.map((s) => s.symbol)).toEqual(['ETHUSDT']);
    const list = await simRequest<{ symbols: Array<{ symbol: string }> }>(sim, 'GET', '/api/v3/exchangeInfo', { symbols: '["BTCUSDT","ETHUSDT"]' });
    expect(list.body.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const halted = await simRequest<{ symbols: unknown[] }>(sim, 'GET', '/api/v3/exchangeInfo', { symbolStatus: 'HALT' });
    expect(halted.body.symbols).toEqual([]);
    // A real symbol the feed does not price is not listed.
    expect((await simRequest(sim, 'GET', '/api/v3/exchangeInfo', { symbol: 'SOLUSDT' })).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
  });

  test('prices, tickers, average price and klines come from the feed', async () => {
    sim.feed.setPrice('BTCUSDT', '70000.5');
    expect((await simRequest(sim, 'GET', '/api/v3/ticker/price', { symbol: 'BTCUSDT' })).body).toEqual({ symbol: 'BTCUSDT', price: '70000.50000000' });
    const all = await simRequest<Array<{ symbol: string }>>(sim, 'GET', '/api/v3/ticker/price');
    expect(all.body.map((p) => p.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    const ticker = await simRequest<{ symbol: string; lastPrice: string }>(sim, 'GET', '/api/v3/ticker/24hr', { symbol: 'BTCUSDT' });
    expect(ticker.body).toMatchObject({ symbol: 'BTCUSDT' });
    expect(Number(ticker.body.lastPrice)).toBe(70000.5);
    const avg = await simRequest<{ mins: number; price: string }>(sim, 'GET', '/api/v3/avgPrice', { symbol: 'BTCUSDT' });
    expect(avg.body.mins).toBe(5);
    expect(Number(avg.body.price)).toBeGreaterThan(0);
    const klines = await simRequest<unknown[][]>(sim, 'GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval: '1m', limit: 5 });
    expect(klines.status).toBe(200);
    expect(klines.body.at(-1)).toHaveLength(12);
    expect((await simRequest(sim, 'GET', '/api/v3/klines', { symbol: 'BTCUSDT', interval: '7m' })).body).toEqual({ code: -1120, msg: 'Invalid interval.' });
    expect((await simRequest(sim, 'GET', '/api/v3/referencePrice', { symbol: 'BTCUSDT' })).body).toEqual({
      code: -2043, msg: "This symbol doesn't have a reference price.",
    });
  });

  test('response types: MARKET and LIMIT default to FULL, stops to ACK; RESULT on request', async () => {
    const limit = await simRequest<Record<string, unknown>>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000',
    });
    expect(Object.keys(limit.body)).toEqual([
      'symbol', 'orderId', 'orderListId', 'clientOrderId', 'transactTime', 'price', 'origQty', 'executedQty', 'origQuoteOrderQty',
      'cummulativeQuoteQty', 'status', 'timeInForce', 'type', 'side', 'workingTime', 'selfTradePreventionMode', 'fills',
    ]);
    const stop = await simRequest<Record<string, unknown>>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '59000', stopPrice: '59100',
    });
    expect(Object.keys(stop.body)).toEqual(['symbol', 'orderId', 'orderListId', 'clientOrderId', 'transactTime']);
    const result = await simRequest<Record<string, unknown>>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', newOrderRespType: 'RESULT',
    });
    expect(result.body).not.toHaveProperty('fills');
    expect(result.body).toMatchObject({ status: 'FILLED', type: 'MARKET', price: '0.00000000', timeInForce: 'GTC' });
  });

  test('query shapes: openOrders (one symbol or all), allOrders, GET by either id', async () => {
    const a = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000', newClientOrderId: 'a-1',
    });
    await simRequest(sim, 'POST', '/api/v3/order', { symbol: 'ETHUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '3000' });
    await simRequest(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001' });

    const byId = await simRequest<Record<string, unknown>>(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId: a.body.orderId });
    expect(byId.body).toEqual({
      symbol: 'BTCUSDT', orderId: a.body.orderId, orderListId: -1, clientOrderId: 'a-1', price: '60000.00000000', origQty: '0.01000000',
      executedQty: '0.00000000', cummulativeQuoteQty: '0.00000000', status: 'NEW', timeInForce: 'GTC', type: 'LIMIT', side: 'BUY',
      stopPrice: '0.00000000', icebergQty: '0.00000000', time: expect.any(Number), updateTime: expect.any(Number), isWorking: true,
      workingTime: expect.any(Number), origQuoteOrderQty: '0.00000000', selfTradePreventionMode: 'EXPIRE_MAKER',
    });
    const byClientId = await simRequest(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', origClientOrderId: 'a-1' });
    expect(byClientId.body).toEqual(byId.body);
    const mismatch = await simRequest(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId: a.body.orderId, origClientOrderId: 'other' });
    expect(mismatch.body).toEqual({ code: -2039, msg: 'Client order ID is not correct for this order ID.' });

    const openBtc = await simRequest<unknown[]>(sim, 'GET', '/api/v3/openOrders', { symbol: 'BTCUSDT' });
    expect(openBtc.body).toHaveLength(1);
    const openAll = await simRequest<unknown[]>(sim, 'GET', '/api/v3/openOrders');
    expect(openAll.body).toHaveLength(2);
    expect(openAll.headers.get('x-mbx-used-weight-1m')).toBe(String(4 + 4 + 4 + 6 + 80));
    const history = await simRequest<Array<{ status: string }>>(sim, 'GET', '/api/v3/allOrders', { symbol: 'BTCUSDT' });
    expect(history.body.map((o) => o.status)).toEqual(['NEW', 'FILLED']);
  });

  test('DELETE openOrders cancels every open order of the symbol and releases the funds', async () => {
    for (const price of ['60000', '61000']) {
      await simRequest(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price });
    }
    expect(sim.control.balances().USDT).toEqual({ free: '8790', locked: '1210' });
    const res = await simRequest<Array<{ status: string; origClientOrderId: string }>>(sim, 'DELETE', '/api/v3/openOrders', { symbol: 'BTCUSDT' });
    expect(res.body.map((o) => o.status)).toEqual(['CANCELED', 'CANCELED']);
    expect(sim.control.balances().USDT).toEqual({ free: '10000', locked: '0' });
    expect((await simRequest(sim, 'DELETE', '/api/v3/openOrders', { symbol: 'BTCUSDT' })).body).toEqual({ code: -2011, msg: 'Unknown order sent.' });
  });

  test('order/test validates without executing', async () => {
    const ok = await simRequest(sim, 'POST', '/api/v3/order/test', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '100' });
    expect(ok).toMatchObject({ status: 200, body: {} }); // no balance check, as on Binance
    const bad = await simRequest(sim, 'POST', '/api/v3/order/test', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.000001' });
    expect(bad.body).toEqual({ code: -1013, msg: 'Filter failure: LOT_SIZE' });
    const rates = await simRequest(sim, 'POST', '/api/v3/order/test', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', computeCommissionRates: true,
    });
    expect(rates.body).toMatchObject({ standardCommissionForOrder: { maker: '0.00100000', taker: '0.00100000' } });
    expect(sim.control.orders()).toEqual([]);
  });

  test('parameters may travel in the body; the query wins; a duplicated one is refused', async () => {
    const inBody = await simRequest<{ status: string }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001',
    }, { inBody: true });
    expect(inBody.body.status).toBe('FILLED');
    const query = `symbol=BTCUSDT&symbol=ETHUSDT&timestamp=${Date.now()}`;
    const dup = await fetch(`${sim.restUrl}/api/v3/openOrders?${query}&signature=${sim.signer.sign(query)}`, { headers: { 'X-MBX-APIKEY': sim.apiKey } });
    expect(await dup.json()).toEqual({ code: -1101, msg: 'Duplicate values for a parameter detected.' });
    expect((await fetch(`${sim.restUrl}/api/v3/nothing`)).status).toBe(404);
  });

  test('every fill reaches the user data stream: executionReport, then outboundAccountPosition', async () => {
    const client = await connectClient(sim.wsApiUrl);
    const params = { apiKey: sim.apiKey, timestamp: Date.now() };
    client.send({ id: 'sub', method: 'userDataStream.subscribe.signature', params: { ...params, signature: wsSign(params, sim.signer) } });
    expect(await client.next()).toMatchObject({ id: 'sub', status: 200 });

    const order = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: 'ws-1',
    });
    const frames = [await client.next(), await client.next(), await client.next()];
    expect(frames.map((f) => (f.event as { e: string; x?: string }).e + ((f.event as { x?: string }).x ?? ''))).toEqual([
      'executionReportNEW', 'executionReportTRADE', 'outboundAccountPosition',
    ]);
    expect(frames[1]!.event).toMatchObject({ i: order.body.orderId, c: 'ws-1', X: 'FILLED', l: '0.01000000', N: 'BTC' });
    client.ws.close();
  });
});
