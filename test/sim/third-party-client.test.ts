/**
 * An independent Binance client from npm (tiagosiebler's `binance` SDK), unmodified but for its
 * base URL, trades against the simulator: if the paper exchange drifted from Binance's paths,
 * signatures or payloads, this client would be the first to notice.
 */
import { MainClient } from 'binance';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';

describe('the binance npm SDK against the simulator', () => {
  let sim: TestSimulator;
  let client: MainClient;

  beforeAll(async () => {
    sim = await startTestSimulator({ balances: { USDT: '10000', BTC: '0.5' } });
    client = new MainClient({ api_key: sim.apiKey, api_secret: sim.apiSecret!, baseUrl: sim.restUrl });
  });
  afterAll(() => sim.close());

  test('loads markets from exchangeInfo', async () => {
    const info = await client.getExchangeInfo();
    const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT');
    expect(btc?.baseAsset).toBe('BTC');
    expect(btc?.filters.map((f) => f.filterType)).toContain('LOT_SIZE');
    // Filtered to what the feed prices.
    expect(info.symbols.map((s) => s.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(info.rateLimits.some((l) => l.rateLimitType === 'REQUEST_WEIGHT')).toBe(true);
  });

  test('fetches the balance', async () => {
    const account = await client.getAccountInformation();
    const usdt = account.balances.find((b) => b.asset === 'USDT');
    expect(usdt).toEqual({ asset: 'USDT', free: '10000.00000000', locked: '0.00000000' });
  });

  test('creates a MARKET order and gets its fills', async () => {
    const order = await client.submitNewOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: 0.01 });
    expect(order).toMatchObject({ symbol: 'BTCUSDT', status: 'FILLED', executedQty: '0.01000000', type: 'MARKET' });
    expect('fills' in order && order.fills).toEqual([
      // The ask: one tick above the last price (the modelled book's spread on a feed without candles).
      { price: '69010.02000000', qty: '0.01000000', commission: '0.00001000', commissionAsset: 'BTC', tradeId: expect.any(Number) },
    ]);
  });

  test('creates a LIMIT order, fetches it and cancels it', async () => {
    const placed = await client.submitNewOrder({
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: 0.01, price: 60000,
    });
    expect(placed).toMatchObject({ status: 'NEW', price: '60000.00000000' });

    const fetched = await client.getOrder({ symbol: 'BTCUSDT', orderId: placed.orderId });
    expect(fetched).toMatchObject({ orderId: placed.orderId, status: 'NEW', isWorking: true, origQty: '0.01000000' });
    const open = await client.getOpenOrders({ symbol: 'BTCUSDT' });
    expect(open.map((o) => o.orderId)).toContain(placed.orderId);
    const locked = (await client.getAccountInformation()).balances.find((b) => b.asset === 'USDT');
    expect(locked?.locked).toBe('600.00000000');

    const canceled = await client.cancelOrder({ symbol: 'BTCUSDT', orderId: placed.orderId });
    expect(canceled).toMatchObject({ orderId: placed.orderId, status: 'CANCELED', origClientOrderId: placed.clientOrderId });
    const after = (await client.getAccountInformation()).balances.find((b) => b.asset === 'USDT');
    expect(after?.locked).toBe('0.00000000');
  });

  test('creates a STOP_LOSS_LIMIT order that triggers and fills when the price falls', async () => {
    const placed = await client.submitNewOrder({
      symbol: 'BTCUSDT', side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC',
      quantity: 0.1, price: 64900, stopPrice: 65000, newOrderRespType: 'RESULT',
    });
    expect(placed).toMatchObject({ status: 'NEW', stopPrice: '65000.00000000', workingTime: -1 });

    sim.feed.setPrice('BTCUSDT', '64000');
    const filled = await client.getOrder({ symbol: 'BTCUSDT', origClientOrderId: placed.clientOrderId });
    // Triggered, it takes the bid where the price crossed 65000 (taker), not its 64900 limit.
    expect(filled).toMatchObject({ status: 'FILLED', executedQty: '0.10000000', cummulativeQuoteQty: '6500.00000000' });
  });

  test('surfaces Binance errors the way the SDK expects them', async () => {
    await expect(client.getOrder({ symbol: 'BTCUSDT', orderId: 999_999 })).rejects.toMatchObject({
      code: -2013,
      message: 'Order does not exist.',
    });
  });
});
