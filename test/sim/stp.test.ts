/**
 * Self-trade prevention (faqs/stp_faq.md): the mode is checked against the symbol's
 * allowedSelfTradePreventionModes (default: defaultSelfTradePreventionMode), and a taker that
 * walks the book into one of the account's own resting orders applies its mode. Over HTTP, and
 * the TRADE_PREVENTION executionReport over the WebSocket API.
 *
 * The book (book-model.ts) is derived from a 1h candle with a 100 USDT range and 1.2 BTC of
 * volume around the last price 69010.01: spread 10 ticks, a level every 0.25 USDT from the ask
 * 69010.06, 0.001 BTC at the best level and 0.0005 more at each next one.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { createLogger } from '../../src/logger.js';
import { createProgrammaticFeed } from '../../src/sim/feeds/programmatic-feed.js';
import { bundledExchangeInfo } from '../../src/sim/engine/symbol-catalog.js';
import { simRequest, startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { subscribeUserStream } from './user-stream-helper.js';

const HOUR = 3_600_000;

function candle(openTime: number): KlineRow {
  return [openTime, '69000.00', '69050.00', '68950.00', '69010.01', '1.20000000', openTime + HOUR - 1, '82812.01', 100, '0', '0', '0'];
}

type OrderBody = Record<string, unknown> & { orderId: number; status: string; fills?: Array<{ price: string; qty: string }> };

describe('allowedSelfTradePreventionModes', () => {
  test('a mode the symbol does not list: -1013, nothing placed; the default mode when none is sent', async () => {
    const base = bundledExchangeInfo();
    const exchangeInfo = {
      ...base,
      symbols: base.symbols.map((s) => (s.symbol === 'BTCUSDT' ? { ...s, defaultSelfTradePreventionMode: 'NONE', allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER'] } : s)),
    };
    const sim = await startTestSimulator({ exchangeInfo, balances: { USDT: '10000' } });
    try {
      const order = { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000' };
      const res = await simRequest(sim, 'POST', '/api/v3/order', { ...order, selfTradePreventionMode: 'EXPIRE_MAKER' });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 400, body: { code: -1013, msg: 'This symbol does not allow the specified self-trade prevention mode.' },
      });
      expect(sim.control.orders()).toHaveLength(0);
      const ok = await simRequest<OrderBody>(sim, 'POST', '/api/v3/order', order);
      expect(ok.body.selfTradePreventionMode).toBe('NONE');
    } finally {
      await sim.close();
    }
  });
});

describe('self-trade prevention', () => {
  let sim: TestSimulator<ReturnType<typeof createProgrammaticFeed>>;
  let ownSell: OrderBody;

  beforeEach(async () => {
    const logger = createLogger({ level: 'silent' });
    const hour = Date.now() - (Date.now() % HOUR);
    const feed = createProgrammaticFeed({
      symbols: ['BTCUSDT', 'ETHUSDT'], prices: { BTCUSDT: '69010.01', ETHUSDT: '3500' }, logger,
      klines: { BTCUSDT: { '1h': [candle(hour - 2 * HOUR), candle(hour - HOUR)] } },
    });
    sim = await startTestSimulator({ feed, logger, balances: { USDT: '10000', BTC: '1' } });
    // Our own SELL rests at 69010.50, behind two levels of the modelled asks.
    ownSell = (await simRequest<OrderBody>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '69010.50', selfTradePreventionMode: 'NONE',
    })).body;
    expect(ownSell.status).toBe('NEW');
  });
  afterEach(() => sim.close());

  const buy = (mode: string | undefined) =>
    simRequest<OrderBody>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '69011.00',
      ...(mode !== undefined && { selfTradePreventionMode: mode }),
    });
  const query = async (orderId: number) => (await simRequest<OrderBody>(sim, 'GET', '/api/v3/order', { symbol: 'BTCUSDT', orderId })).body;

  test('DECREMENT: both lose the smaller quantity; the taker, left with nothing, expires; ours stays with less', async () => {
    const stream = await subscribeUserStream(sim);
    const res = await buy('DECREMENT');
    expect(res.body).toMatchObject({
      status: 'EXPIRED_IN_MATCH', executedQty: '0.00250000', preventedQuantity: '0.00750000',
      preventedMatches: [{ makerOrderId: ownSell.orderId, takerPreventedQuantity: '0.00750000', makerPreventedQuantity: '0.00750000' }],
    });
    expect(await query(ownSell.orderId)).toMatchObject({ status: 'NEW', preventedQuantity: '0.00750000' });
    const makerReport = await stream.reportWhere((e) => e.x === 'TRADE_PREVENTION' && e.i === ownSell.orderId);
    expect(makerReport).toMatchObject({ X: 'NEW', A: '0.00750000', B: '0.00750000', U: res.body.orderId });
    // What is left of ours (0.0025) still trades.
    const rest = await simRequest<OrderBody>(sim, 'POST', '/api/v3/order', {
      symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', quantity: '0.01', price: '69010.50', selfTradePreventionMode: 'NONE',
    });
    expect(rest.body.fills!.at(-1)).toMatchObject({ price: '69010.50000000', qty: '0.00250000' });
    expect(await query(ownSell.orderId)).toMatchObject({ status: 'FILLED', executedQty: '0.00250000' });
    stream.close();
  });

  test('EXPIRE_TAKER: the taker fills the two levels before our order, then expires in match; ours stays', async () => {
    const stream = await subscribeUserStream(sim);
    const res = await buy('EXPIRE_TAKER');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'EXPIRED_IN_MATCH',
      executedQty: '0.00250000',
      selfTradePreventionMode: 'EXPIRE_TAKER',
      fills: [
        { price: '69010.06000000', qty: '0.00100000' },
        { price: '69010.31000000', qty: '0.00150000' },
      ],
      preventedMatches: [{ preventedMatchId: expect.any(Number), makerOrderId: ownSell.orderId, price: '69010.50000000', takerPreventedQuantity: '0.00750000' }],
      preventedQuantity: '0.00750000',
    });
    expect(await query(ownSell.orderId)).toMatchObject({ status: 'NEW' });
    expect(await query(res.body.orderId)).toMatchObject({ status: 'EXPIRED_IN_MATCH', preventedQuantity: '0.00750000', preventedMatchId: expect.any(Number) });

    const report = await stream.reportWhere((e) => e.x === 'TRADE_PREVENTION');
    expect(report).toMatchObject({
      i: res.body.orderId, X: 'EXPIRED_IN_MATCH', l: '0.00000000', L: '0.00000000',
      A: '0.00750000', B: '0.00750000', U: ownSell.orderId, pl: '0.00750000', pL: '69010.50000000', V: 'EXPIRE_TAKER',
    });
    stream.close();
  });

  test('EXPIRE_MAKER (the symbol default): our order expires, the taker walks on and rests the rest', async () => {
    const res = await buy(undefined);
    expect(res.body).toMatchObject({
      status: 'PARTIALLY_FILLED',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      executedQty: '0.00700000',
      preventedMatches: [{ makerOrderId: ownSell.orderId, price: '69010.50000000', makerPreventedQuantity: '0.01000000' }],
    });
    expect(res.body.fills!.map((f) => f.price)).toEqual(['69010.06000000', '69010.31000000', '69010.56000000', '69010.81000000']);
    expect(await query(ownSell.orderId)).toMatchObject({ status: 'EXPIRED_IN_MATCH', preventedQuantity: '0.01000000' });
    // Our SELL's BTC is free again.
    expect(sim.control.balances().BTC!.locked).toBe('0');
  });

  test('EXPIRE_BOTH: both expire at our order', async () => {
    const res = await buy('EXPIRE_BOTH');
    expect(res.body).toMatchObject({
      status: 'EXPIRED_IN_MATCH',
      preventedMatches: [{ makerOrderId: ownSell.orderId, takerPreventedQuantity: '0.00750000', makerPreventedQuantity: '0.01000000' }],
    });
    expect(await query(ownSell.orderId)).toMatchObject({ status: 'EXPIRED_IN_MATCH' });
  });

  test('NONE: the self-trade happens, our order is the maker', async () => {
    const stream = await subscribeUserStream(sim);
    const res = await buy('NONE');
    expect(res.body.fills!.map((f) => [f.price, f.qty])).toEqual([
      ['69010.06000000', '0.00100000'], ['69010.31000000', '0.00150000'], ['69010.50000000', '0.00750000'],
    ]);
    expect(res.body.status).toBe('FILLED');
    expect(await query(ownSell.orderId)).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.00750000' });
    const makerFill = await stream.reportWhere((e) => e.i === ownSell.orderId && e.x === 'TRADE');
    expect(makerFill).toMatchObject({ m: true, L: '69010.50000000' });
    stream.close();
  });
});
