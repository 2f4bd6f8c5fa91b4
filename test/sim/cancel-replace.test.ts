/**
 * POST /api/v3/order/cancelReplace in both modes, with the HTTP status and body Binance sends
 * for each outcome (rest-api.md "Cancel an Existing Order and Send a New Order").
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';

describe('cancelReplace', () => {
  let sim: TestSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { BTC: '1', USDT: '1000' } });
  });
  beforeEach(() => sim.control.reset());
  afterAll(() => sim.close());

  const stop = (stopPrice: string, clientId: string) => ({
    symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.5',
    stopPrice, price: String(Number(stopPrice) - 100), newClientOrderId: clientId,
  });
  const place = async (stopPrice: string, clientId: string) => {
    const res = await simRequest<{ orderId: number }>(sim, 'POST', '/api/v3/order', stop(stopPrice, clientId));
    expect(res.status).toBe(200);
    return res.body.orderId;
  };
  const replace = (mode: string, extra: Record<string, string | number>) =>
    simRequest<Record<string, unknown>>(sim, 'POST', '/api/v3/order/cancelReplace', {
      ...stop('66000', 'stop-2'), cancelReplaceMode: mode, ...extra,
    });

  test('both steps succeed: 200 with both responses (a stop answers ACK by default)', async () => {
    const orderId = await place('65000', 'stop-1');
    const res = await replace('STOP_ON_FAILURE', { cancelOrderId: orderId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      cancelResult: 'SUCCESS',
      newOrderResult: 'SUCCESS',
      cancelResponse: expect.objectContaining({ orderId, origClientOrderId: 'stop-1', status: 'CANCELED', stopPrice: '65000.00000000' }),
      newOrderResponse: { symbol: 'BTCUSDT', orderId: orderId + 1, orderListId: -1, clientOrderId: 'stop-2', transactTime: expect.any(Number) },
    });
    expect(sim.control.orders().map((o) => [o.clientOrderId, o.status])).toEqual([['stop-1', 'CANCELED'], ['stop-2', 'NEW']]);
    expect(sim.control.balances().BTC).toEqual({ free: '0.5', locked: '0.5' });
  });

  test('STOP_ON_FAILURE with a cancel that fails: 400 -2022, new order not attempted', async () => {
    const res = await replace('STOP_ON_FAILURE', { cancelOrigClientOrderId: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: -2022,
      msg: 'Order cancel-replace failed.',
      data: {
        cancelResult: 'FAILURE',
        newOrderResult: 'NOT_ATTEMPTED',
        cancelResponse: { code: -2011, msg: 'Unknown order sent.' },
        newOrderResponse: null,
      },
    });
    expect(sim.control.orders()).toEqual([]);
  });

  test('cancel done, new order refused by the engine: 409 -2021 (the position is unprotected)', async () => {
    const orderId = await place('65000', 'stop-1');
    // Stop above the market: passes the filters, fails in the engine after the cancel.
    const res = await simRequest<Record<string, unknown>>(sim, 'POST', '/api/v3/order/cancelReplace', {
      ...stop('70000', 'stop-2'), cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: orderId,
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      code: -2021,
      msg: 'Order cancel-replace partially failed.',
      data: {
        cancelResult: 'SUCCESS',
        newOrderResult: 'FAILURE',
        cancelResponse: expect.objectContaining({ orderId, status: 'CANCELED' }),
        newOrderResponse: { code: -2010, msg: 'Order would trigger immediately.' },
      },
    });
    expect(sim.control.orders().map((o) => o.status)).toEqual(['CANCELED']);
  });

  test('ALLOW_FAILURE: a failed cancel still places the new order (409); both failing is 400', async () => {
    const res = await replace('ALLOW_FAILURE', { cancelOrigClientOrderId: 'nope' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      code: -2021,
      data: { cancelResult: 'FAILURE', newOrderResult: 'SUCCESS', cancelResponse: { code: -2011, msg: 'Unknown order sent.' } },
    });

    const both = await simRequest<Record<string, unknown>>(sim, 'POST', '/api/v3/order/cancelReplace', {
      ...stop('70000', 'stop-3'), cancelReplaceMode: 'ALLOW_FAILURE', cancelOrigClientOrderId: 'nope',
    });
    expect(both.status).toBe(400);
    expect(both.body).toMatchObject({
      code: -2022,
      data: { cancelResult: 'FAILURE', newOrderResult: 'FAILURE', newOrderResponse: { code: -2010, msg: 'Order would trigger immediately.' } },
    });
  });

  test('a new order that fails the filters is refused before anything is cancelled', async () => {
    const orderId = await place('65000', 'stop-1');
    const res = await simRequest(sim, 'POST', '/api/v3/order/cancelReplace', {
      ...stop('66000', 'stop-2'), price: '65899.999', cancelReplaceMode: 'STOP_ON_FAILURE', cancelOrderId: orderId,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    expect(sim.control.orders().map((o) => o.status)).toEqual(['NEW']);
  });
});
