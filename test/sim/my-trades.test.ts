/**
 * Trade history (rest-api.md "Account trade list", "Recent trades list", "Query Commission
 * Rates"): every fill is a myTrades row with the ids and commission the user stream announced,
 * selectable by order, id and time, kept across a restart; /trades serves the same fills.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { wsSign } from '../../src/binance/signing.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { connectClient } from './ws-test-client.js';
import type { TradeRecord } from '../../src/sim/engine/trade-history.js';

type Trade = TradeRecord;

describe('trade history', () => {
  let sim: TestSimulator;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'paper-trades-'));
    sim = await startTestSimulator({ dataDir, balances: { USDT: '10000', BTC: '1' }, prices: { BTCUSDT: '69000' } });
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('myTrades lists each fill as the user stream announced it; /trades serves the same fills', async () => {
    const client = await connectClient(sim.wsApiUrl);
    const params = { apiKey: sim.apiKey, timestamp: Date.now() };
    client.send({ id: 'sub', method: 'userDataStream.subscribe.signature', params: { ...params, signature: wsSign(params, sim.signer) } });
    await client.next();

    const buy = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    const sell = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.02', price: '70000',
    });
    sim.feed.setPrice('BTCUSDT', '70001');
    const reports: Array<Record<string, unknown>> = [];
    while (reports.length < 2) {
      const event = (await client.next()).event as Record<string, unknown>;
      if (event.e === 'executionReport' && event.x === 'TRADE') reports.push(event);
    }
    client.ws.close();

    const all = await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT' });
    expect(all.status).toBe(200);
    expect(all.body).toEqual([
      {
        // The MARKET BUY pays the ask: one tick over the last price on the modelled book (book-model.ts).
        symbol: 'BTCUSDT', id: reports[0]!.t, orderId: buy.body.orderId, orderListId: -1, price: '69000.01000000', qty: '0.01000000',
        quoteQty: '690.00010000', commission: '0.00001000', commissionAsset: 'BTC', time: reports[0]!.T, isBuyer: true, isMaker: false, isBestMatch: true,
      },
      {
        symbol: 'BTCUSDT', id: reports[1]!.t, orderId: sell.body.orderId, orderListId: -1, price: '70000.00000000', qty: '0.02000000',
        quoteQty: '1400.00000000', commission: '1.40000000', commissionAsset: 'USDT', time: reports[1]!.T, isBuyer: false, isMaker: true, isBestMatch: true,
      },
    ]);
    const [first, second] = all.body;
    const byOrder = await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', orderId: sell.body.orderId });
    expect(byOrder.body.map((t) => t.id)).toEqual([second!.id]);
    const fromId = await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', fromId: second!.id });
    expect(fromId.body.map((t) => t.id)).toEqual([second!.id]);
    const lastOne = await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', limit: 1 });
    expect(lastOne.body.map((t) => t.id)).toEqual([second!.id]);
    const fromStart = await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', startTime: first!.time, limit: 1 });
    expect(fromStart.body.map((t) => t.id)).toEqual([first!.id]);
    expect((await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'ETHUSDT' })).body).toEqual([]);
    expect((await simRequest(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', limit: 1001 })).body).toEqual({
      code: -1130, msg: "Data sent for parameter 'limit' is not valid.",
    });
    expect((await simRequest(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', startTime: 0, endTime: 86_400_001 })).body).toMatchObject({ code: -1127 });
    expect((await simRequest(sim, 'GET', '/api/v3/myTrades', {})).body).toMatchObject({ code: -1102 });
    expect((await simRequest(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', fromId: 1, startTime: 1 })).body).toEqual({
      code: -1128, msg: 'Combination of optional parameters invalid.',
    });
    const weight = await simRequest(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', orderId: 1 });
    expect(weight.status).toBe(200);

    const publicTrades = await simRequest<Array<Record<string, unknown>>>(sim, 'GET', '/api/v3/trades', { symbol: 'BTCUSDT' }, { signed: false });
    expect(publicTrades.body).toEqual([
      { id: first!.id, price: '69000.01000000', qty: '0.01000000', quoteQty: '690.00010000', time: first!.time, isBuyerMaker: false, isBestMatch: true },
      { id: second!.id, price: '70000.00000000', qty: '0.02000000', quoteQty: '1400.00000000', time: second!.time, isBuyerMaker: false, isBestMatch: true },
    ]);
  });

  test('account/commission reports the simulator\'s rate', async () => {
    const res = await simRequest(sim, 'GET', '/api/v3/account/commission', { symbol: 'BTCUSDT' });
    expect(res.body).toEqual({
      symbol: 'BTCUSDT',
      standardCommission: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
      specialCommission: { maker: '0.00000000', taker: '0.00000000', buyer: '0.00000000', seller: '0.00000000' },
      taxCommission: { maker: '0.00000000', taker: '0.00000000', buyer: '0.00000000', seller: '0.00000000' },
      discount: { enabledForAccount: false, enabledForSymbol: false, discountAsset: 'BNB', discount: '0.00000000' },
    });
  });

  test('trades and order lists survive a restart', async () => {
    await simRequest(sim, 'POST', '/api/v3/orderList/oco', {
      symbol: 'BTCUSDT', side: 'SELL', quantity: '0.1', listClientOrderId: 'kept',
      aboveType: 'LIMIT_MAKER', abovePrice: '80000',
      belowType: 'STOP_LOSS_LIMIT', belowStopPrice: '60000', belowPrice: '59900', belowTimeInForce: 'GTC',
    });
    const before = (await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT' })).body;
    const credentials = { apiKey: sim.apiKey, apiSecret: sim.apiSecret! };
    await sim.close();
    sim = await startTestSimulator({ dataDir, credentials, prices: { BTCUSDT: '70001' } });
    expect((await simRequest<Trade[]>(sim, 'GET', '/api/v3/myTrades', { symbol: 'BTCUSDT' })).body).toEqual(before);
    const open = await simRequest<Array<{ listClientOrderId: string; orderListId: number }>>(sim, 'GET', '/api/v3/openOrderList');
    expect(open.body.map((l) => l.listClientOrderId)).toEqual(['kept']);
    // The restored list still behaves as one: the take-profit fills and the stop expires.
    sim.feed.setPrice('BTCUSDT', '80001');
    const list = await simRequest<{ listOrderStatus: string }>(sim, 'GET', '/api/v3/orderList', { orderListId: open.body[0]!.orderListId });
    expect(list.body.listOrderStatus).toBe('ALL_DONE');
    const next = await simRequest(sim, 'POST', '/api/v3/orderList/oco', {
      symbol: 'BTCUSDT', side: 'SELL', quantity: '0.1',
      aboveType: 'LIMIT_MAKER', abovePrice: '90000',
      belowType: 'STOP_LOSS_LIMIT', belowStopPrice: '70000', belowPrice: '69900', belowTimeInForce: 'GTC',
    });
    expect((next.body as { orderListId: number }).orderListId).toBe(open.body[0]!.orderListId + 1);
  });
});
