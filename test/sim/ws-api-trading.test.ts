/**
 * The WebSocket API's trading and account methods on the paper exchange (web-socket-api.md):
 * signed per request (HMAC) or after session.logon (Ed25519), answered by the same handlers and
 * engine as REST, with the same errors.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { wsSign } from '../../src/binance/signing.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { connectClient, type TestClient } from './ws-test-client.js';

type Frame = Record<string, unknown> & { status?: number; result?: unknown; error?: { code: number; msg: string } };

describe('WebSocket API trading', () => {
  let sim: TestSimulator;
  let client: TestClient;
  let seq = 0;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '1' }, prices: { BTCUSDT: '69000' } });
    client = await connectClient(sim.wsApiUrl);
  });
  afterAll(async () => {
    client.ws.close();
    await sim.close();
  });

  /** A signed request; responses are matched by id (stream events are skipped). */
  async function call(c: TestClient, method: string, params: Record<string, string | number | boolean>, sign = true): Promise<Frame> {
    const id = `r${++seq}`;
    const all = sign ? { ...params, apiKey: sim.apiKey, timestamp: Date.now() } : params;
    c.send({ id, method, params: sign ? { ...all, signature: wsSign(all, sim.signer) } : all });
    for (;;) {
      const frame = (await c.next()) as Frame;
      if (frame.id === id) return frame;
    }
  }

  test('order.place, order.status, openOrders.status, order.cancel and account.status', async () => {
    const placed = await call(client, 'order.place', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000', newClientOrderId: 'ws-limit',
    });
    expect(placed.status).toBe(200);
    const order = placed.result as { orderId: number; status: string; orderListId: number };
    expect(order).toMatchObject({ status: 'NEW', orderListId: -1, clientOrderId: 'ws-limit', price: '60000.00000000' });

    const status = await call(client, 'order.status', { symbol: 'BTCUSDT', orderId: order.orderId });
    expect(status.result).toMatchObject({ orderId: order.orderId, status: 'NEW', isWorking: true });
    // REST sees the very same order.
    expect((await simRequest<{ clientOrderId: string }>(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId: order.orderId })).body.clientOrderId).toBe('ws-limit');
    const open = await call(client, 'openOrders.status', { symbol: 'BTCUSDT' });
    expect((open.result as Array<{ orderId: number }>).map((o) => o.orderId)).toEqual([order.orderId]);
    const account = await call(client, 'account.status', {});
    const usdt = (account.result as { balances: Array<{ asset: string; locked: string }> }).balances.find((b) => b.asset === 'USDT');
    expect(usdt?.locked).toBe('600.00000000');

    const canceled = await call(client, 'order.cancel', { symbol: 'BTCUSDT', origClientOrderId: 'ws-limit' });
    expect(canceled.result).toMatchObject({ orderId: order.orderId, status: 'CANCELED', origClientOrderId: 'ws-limit' });
    expect(await call(client, 'order.cancel', { symbol: 'BTCUSDT', orderId: order.orderId })).toMatchObject({
      status: 400, error: { code: -2011, msg: 'Unknown order sent.' },
    });
  });

  test('the same refusals as REST: filters, signature, balance', async () => {
    expect(await call(client, 'order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000.001' }))
      .toMatchObject({ status: 400, error: { code: -1013, msg: 'Filter failure: PRICE_FILTER' } });
    expect(await call(client, 'order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '10' }))
      .toMatchObject({ status: 400, error: { code: -2010, msg: 'Account has insufficient balance for requested action.' } });
    const unsigned = await call(client, 'order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', apiKey: sim.apiKey, timestamp: Date.now(), signature: 'bad' }, false);
    expect(unsigned).toMatchObject({ status: 400, error: { code: -1022 } });
    expect(await call(client, 'order.amend.keepPriority', { symbol: 'BTCUSDT' })).toMatchObject({ status: 400, error: { code: -1020 } });
  });

  test('a market order, myTrades and order lists over the WebSocket API', async () => {
    const market = await call(client, 'order.place', { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' });
    // The ask: one tick over the last price on the modelled book.
    expect(market.result).toMatchObject({ status: 'FILLED', fills: [expect.objectContaining({ price: '69000.01000000' })] });
    const trades = await call(client, 'myTrades', { symbol: 'BTCUSDT' });
    expect((trades.result as Array<{ orderId: number }>).at(-1)?.orderId).toBe((market.result as { orderId: number }).orderId);

    const oco = await call(client, 'orderList.place.oco', {
      symbol: 'BTCUSDT', side: 'SELL', quantity: '0.01', listClientOrderId: 'ws-oco',
      aboveType: 'LIMIT_MAKER', abovePrice: '75000', belowType: 'STOP_LOSS_LIMIT', belowStopPrice: '65000', belowPrice: '64900', belowTimeInForce: 'GTC',
    });
    expect(oco.result).toMatchObject({ contingencyType: 'OCO', listOrderStatus: 'EXECUTING', listClientOrderId: 'ws-oco' });
    const listId = (oco.result as { orderListId: number }).orderListId;
    expect((await call(client, 'orderList.status', { orderListId: listId })).result).toMatchObject({ orderListId: listId });
    expect(((await call(client, 'openOrderLists.status', {})).result as unknown[]).length).toBe(1);
    const canceled = await call(client, 'orderList.cancel', { symbol: 'BTCUSDT', orderListId: listId });
    expect(canceled.result).toMatchObject({ listOrderStatus: 'ALL_DONE' });
    expect((await call(client, 'account.commission', { symbol: 'BTCUSDT' })).result).toMatchObject({
      standardCommission: { maker: '0.00100000', taker: '0.00100000' },
    });
  });

  test('after session.logon (Ed25519) requests need no signature, only a timestamp', async () => {
    const ed = await startTestSimulator({ keyType: 'ed25519', balances: { USDT: '1000' }, prices: { BTCUSDT: '69000' } });
    const c = await connectClient(ed.wsApiUrl);
    try {
      const logon = { apiKey: ed.apiKey, timestamp: Date.now() };
      c.send({ id: 'logon', method: 'session.logon', params: { ...logon, signature: wsSign(logon, ed.signer) } });
      expect(await c.next()).toMatchObject({ id: 'logon', status: 200 });
      c.send({ id: 'acc', method: 'account.status', params: { timestamp: Date.now() } });
      expect(await c.next()).toMatchObject({ id: 'acc', status: 200, result: { accountType: 'SPOT' } });
      c.send({ id: 'no-ts', method: 'account.status', params: {} });
      expect(await c.next()).toMatchObject({ id: 'no-ts', status: 400, error: { code: -1102 } });
    } finally {
      c.ws.close();
      await ed.close();
    }
  });
});
