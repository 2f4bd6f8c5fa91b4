/**
 * The REST client's order-list calls (rest-api.md "Order lists") against the simulator over HTTP:
 * what the client sends (the prefixed leg parameters), what it reads back, and the weight it books
 * before sending (request-weights.ts) against what the exchange charged.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import { requestWeight } from '../../src/binance/request-weights.js';
import { isExchangeError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

describe('order lists through the REST client', () => {
  let sim: TestSimulator;
  let client: RestClient;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' }, prices: { BTCUSDT: '65000' } });
    client = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger: createLogger({ level: 'silent' }), registry: new Registry(), timeoutMs: 2_000, clockRefreshMs: 0 });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('places an OCO, finds it by its list id, lists it open, and cancels it whole', async () => {
    const placed = await client.newOco({
      symbol: 'BTCUSDT',
      side: 'SELL',
      quantity: '0.1',
      listClientOrderId: 'bkl-test-1',
      above: { type: 'LIMIT_MAKER', price: '70000', clientOrderId: 'tkl-test-1' },
      below: { type: 'STOP_LOSS_LIMIT', stopPrice: '60000', price: '59700', timeInForce: 'GTC', clientOrderId: 'skl-test-1' },
    });
    expect(placed.contingencyType).toBe('OCO');
    expect(placed.orderReports?.map((o) => o.clientOrderId).sort()).toEqual(['skl-test-1', 'tkl-test-1']);
    const found = await client.getOrderList({ origClientOrderId: 'bkl-test-1' });
    expect(found.orderListId).toBe(placed.orderListId);
    expect((await client.openOrderLists()).map((l) => l.listClientOrderId)).toEqual(['bkl-test-1']);
    const cancelled = await client.cancelOrderList({ symbol: 'BTCUSDT', listClientOrderId: 'bkl-test-1' });
    expect(cancelled.orderReports?.every((o) => o.status === 'CANCELED')).toBe(true);
    expect(await client.openOrderLists()).toEqual([]);
  });

  it('an unknown list is -2013, which the look-ups read as "not there"', async () => {
    const error = await client.getOrderList({ origClientOrderId: 'nope' }).catch((e: unknown) => e);
    expect(isExchangeError(error) && error.binanceCode).toBe(-2013);
  });

  it('an OTOCO: the working leg and a pending pair', async () => {
    const list = await client.newOto({
      symbol: 'BTCUSDT',
      listClientOrderId: 'bkl-test-2',
      working: { type: 'LIMIT', side: 'BUY', quantity: '0.01', price: '64000', timeInForce: 'GTC', clientOrderId: 'bco-test-2' },
      pendingSide: 'SELL',
      pendingQuantity: '0.00999',
      pendingAbove: { type: 'LIMIT_MAKER', price: '67000' },
      pendingBelow: { type: 'STOP_LOSS_LIMIT', stopPrice: '62000', price: '61690', timeInForce: 'GTC' },
    });
    expect(list.orders).toHaveLength(3);
    const path = sim.control.requests().at(-1)!.path;
    expect(path).toBe('/api/v3/orderList/otoco');
    await client.cancelOrderList({ symbol: 'BTCUSDT', orderListId: list.orderListId });
  });

  it('books the weights the exchange charges', () => {
    expect(requestWeight('GET', '/api/v3/orderList', { origClientOrderId: 'x' })).toBe(4);
    expect(requestWeight('GET', '/api/v3/openOrderList', {})).toBe(6);
    expect(requestWeight('GET', '/api/v3/myTrades', { symbol: 'BTCUSDT', orderId: 1 })).toBe(5);
    expect(requestWeight('GET', '/api/v3/myTrades', { symbol: 'BTCUSDT' })).toBe(20);
    expect(requestWeight('POST', '/api/v3/orderList/oco', {})).toBe(1);
    expect(requestWeight('DELETE', '/api/v3/orderList', {})).toBe(1);
  });
});
