/**
 * The matching engine against a hand-driven price: fills, locks, commissions, triggers, partial
 * fills and the user data events each state change emits (user-data-stream.md).
 */
import { describe, expect, test } from 'vitest';
import type { SymbolInfo } from '../../src/binance/types.js';
import { createAccounts } from '../../src/sim/engine/accounts.js';
import { createMatchingEngine, type EngineOptions } from '../../src/sim/engine/matching-engine.js';
import { createOrderBook } from '../../src/sim/engine/order-book.js';
import type { NewOrderRequest } from '../../src/sim/engine/order-validation.js';
import { bundledExchangeInfo } from '../../src/sim/engine/symbol-catalog.js';
import type { AccountPositionEvent, ExecutionReportEvent, UserDataEvent } from '../../src/sim/types.js';

const BTCUSDT = bundledExchangeInfo().symbols.find((s) => s.symbol === 'BTCUSDT')!;

function setup(balances: Record<string, string>, options: EngineOptions = {}, info: SymbolInfo = BTCUSDT) {
  const accounts = createAccounts(balances);
  const book = createOrderBook();
  const prices = new Map([['BTCUSDT', '69010.01']]);
  let now = 1_726_000_000_000;
  const engine = createMatchingEngine({
    symbol: (s) => (s === 'BTCUSDT' ? info : undefined),
    accounts,
    book,
    price: (s) => prices.get(s),
    clock: () => now,
    options,
  });
  const events: UserDataEvent[] = [];
  engine.onUserEvent((e) => events.push(e));
  const tick = (price: string) => {
    now += 1000;
    prices.set('BTCUSDT', price);
    engine.onTick({ symbol: 'BTCUSDT', price, time: now });
  };
  const place = (r: Omit<NewOrderRequest, 'symbol' | 'responseType'>) => engine.place({ symbol: 'BTCUSDT', responseType: 'FULL', ...r });
  const reports = () => events.filter((e): e is ExecutionReportEvent => e.e === 'executionReport');
  const positions = () => events.filter((e): e is AccountPositionEvent => e.e === 'outboundAccountPosition');
  return { accounts, book, engine, events, tick, place, reports, positions };
}

describe('MARKET orders', () => {
  test('a BUY fills at the price, pays quote, receives base less 0.1 % commission, and reports it', () => {
    const { accounts, place, reports, positions } = setup({ USDT: '1000' });
    const { order, fills } = place({ side: 'BUY', type: 'MARKET', quantity: '0.01' });
    expect(order.status).toBe('FILLED');
    expect(fills).toEqual([{ price: '69010.01', qty: '0.01', commission: '0.00001', commissionAsset: 'BTC', tradeId: 1, maker: false }]);
    expect(accounts.get('USDT')).toEqual({ free: '309.8999', locked: '0' });
    expect(accounts.get('BTC')).toEqual({ free: '0.00999', locked: '0' });

    const [created, trade] = reports();
    expect(created).toMatchObject({ x: 'NEW', X: 'NEW', i: order.orderId, l: '0.00000000', t: -1, N: null });
    expect(trade).toMatchObject({
      x: 'TRADE', X: 'FILLED', l: '0.01000000', L: '69010.01000000', z: '0.01000000', Z: '690.10010000',
      Y: '690.10010000', n: '0.00001000', N: 'BTC', t: 1, m: false, c: order.clientOrderId,
    });
    expect(trade!.I).toBeGreaterThan(created!.I);
    expect(positions()).toEqual([
      { e: 'outboundAccountPosition', E: expect.any(Number), u: expect.any(Number), B: [
        { a: 'BTC', f: '0.00999000', l: '0.00000000' },
        { a: 'USDT', f: '309.89990000', l: '0.00000000' },
      ] },
    ]);
  });

  test('quoteOrderQty buys the largest quantity on the lot step the amount pays for', () => {
    const { accounts, place } = setup({ USDT: '1000' });
    const { order } = place({ side: 'BUY', type: 'MARKET', quoteOrderQty: '100' });
    expect(order).toMatchObject({ origQty: '0.00144', executedQty: '0.00144', cummulativeQuoteQty: '99.3744144', origQuoteOrderQty: '100' });
    expect(accounts.get('USDT').free).toBe('900.6255856');
  });

  test('a SELL pays its commission in the quote asset', () => {
    const { accounts, place } = setup({ BTC: '1' });
    place({ side: 'SELL', type: 'MARKET', quantity: '0.5' });
    // 0.5 × 69010.01 = 34505.005; fee 34.505005
    expect(accounts.get('USDT').free).toBe('34470.499995');
    expect(accounts.get('BTC').free).toBe('0.5');
  });

  test('slippage moves the fill against the taker, on the tick', () => {
    const { place } = setup({ USDT: '1000' }, { slippageBps: '10' });
    const { fills } = place({ side: 'BUY', type: 'MARKET', quantity: '0.01' });
    expect(fills[0]!.price).toBe('69079.03'); // 69010.01 × 1.001 = 69079.02001 → up to the tick
  });

  test('insufficient balance leaves no trace', () => {
    const { accounts, book, place, events } = setup({ USDT: '10' });
    expect(() => place({ side: 'BUY', type: 'MARKET', quantity: '0.01' })).toThrow('Account has insufficient balance for requested action.');
    expect(book.all()).toEqual([]);
    expect(events).toEqual([]);
    expect(accounts.get('USDT').free).toBe('10');
  });
});

describe('LIMIT orders', () => {
  test('a resting BUY locks quote, fills at its limit when a tick reaches it, as maker', () => {
    const { accounts, place, tick, reports } = setup({ USDT: '1000' });
    const { order } = place({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '68000' });
    expect(order.status).toBe('NEW');
    expect(accounts.get('USDT')).toEqual({ free: '320', locked: '680' });

    tick('68500');
    expect(order.status).toBe('NEW');
    tick('67950.5');
    expect(order).toMatchObject({ status: 'FILLED', executedQty: '0.01', cummulativeQuoteQty: '680' });
    expect(accounts.get('USDT')).toEqual({ free: '320', locked: '0' });
    expect(accounts.get('BTC').free).toBe('0.00999');
    expect(reports().at(-1)).toMatchObject({ x: 'TRADE', L: '68000.00000000', m: true, w: false });
  });

  test('a marketable BUY fills at once at the better market price and refunds the rest of its lock', () => {
    const { accounts, place } = setup({ USDT: '1000' });
    const { order, fills } = place({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '70000' });
    expect(order.status).toBe('FILLED');
    expect(fills[0]!.price).toBe('69010.01');
    expect(accounts.get('USDT')).toEqual({ free: '309.8999', locked: '0' });
  });

  test('cancel releases the lock and reports the cancel id in c and the order id in C', () => {
    const { accounts, engine, place, reports } = setup({ USDT: '1000' });
    const { order } = place({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '60000', newClientOrderId: 'mine' });
    const done = engine.cancel('BTCUSDT', { origClientOrderId: 'mine' }, 'cancel-1');
    expect(done.order.status).toBe('CANCELED');
    expect(accounts.get('USDT')).toEqual({ free: '1000', locked: '0' });
    expect(reports().at(-1)).toMatchObject({ x: 'CANCELED', X: 'CANCELED', c: 'cancel-1', C: 'mine', i: order.orderId });
    expect(() => engine.cancel('BTCUSDT', { orderId: order.orderId })).toThrow('Unknown order sent.');
  });

  test('IOC fills what it can and expires the rest; FOK fills all or nothing', () => {
    const { place } = setup({ USDT: '10000' }, { depth: '0.01' });
    const ioc = place({ side: 'BUY', type: 'LIMIT', timeInForce: 'IOC', quantity: '0.03', price: '70000' });
    expect(ioc.order).toMatchObject({ status: 'EXPIRED', executedQty: '0.01', expiryReason: 'UNFILLED_IOC_QUANTITY_EXPIRED' });
    const fok = place({ side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', quantity: '0.03', price: '70000' });
    expect(fok.order).toMatchObject({ status: 'EXPIRED', executedQty: '0', expiryReason: 'UNFILLED_FOK_ORDER_EXPIRED' });
    expect(fok.fills).toEqual([]);
  });
});

describe('partial fills with a per-tick depth', () => {
  test('a resting SELL fills over several ticks', () => {
    const { place, tick, reports } = setup({ BTC: '1' }, { depth: '0.01' });
    const { order } = place({ side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.025', price: '70000' });
    tick('70100');
    expect(order).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.01' });
    tick('70200');
    expect(order).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.02' });
    tick('70300');
    expect(order).toMatchObject({ status: 'FILLED', executedQty: '0.025' });
    const trades = reports().filter((r) => r.x === 'TRADE');
    expect(trades.map((r) => [r.X, r.l, r.z])).toEqual([
      ['PARTIALLY_FILLED', '0.01000000', '0.01000000'],
      ['PARTIALLY_FILLED', '0.01000000', '0.02000000'],
      ['FILLED', '0.00500000', '0.02500000'],
    ]);
    expect(trades.map((r) => r.t)).toEqual([1, 2, 3]);
  });

  test('a MARKET order larger than the depth fills in part and expires the rest', () => {
    const { accounts, place } = setup({ USDT: '10000' }, { depth: '0.01' });
    const { order } = place({ side: 'BUY', type: 'MARKET', quantity: '0.05' });
    expect(order).toMatchObject({ status: 'EXPIRED', executedQty: '0.01', expiryReason: 'INSUFFICIENT_LIQUIDITY' });
    expect(accounts.get('BTC').free).toBe('0.00999');
  });
});

describe('stops', () => {
  test('a triggered SELL STOP_LOSS_LIMIT becomes a limit that takes the book where the price crossed its stop (taker, not at its limit)', () => {
    const { accounts, place, tick, reports } = setup({ BTC: '1' });
    const { order } = place({ side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '64900', stopPrice: '65000' });
    expect(order).toMatchObject({ status: 'NEW', isWorking: false, workingTime: -1 });
    expect(accounts.get('BTC')).toEqual({ free: '0.9', locked: '0.1' });
    tick('65000.01');
    expect(order.status).toBe('NEW');
    tick('64000');
    // The path passed through 65000 on its way to 64000: the bid there is what the order meets.
    expect(order).toMatchObject({ status: 'FILLED', cummulativeQuoteQty: '6500' });
    expect(accounts.get('USDT').free).toBe('6493.5');
    expect(reports().at(-1)).toMatchObject({ x: 'TRADE', o: 'STOP_LOSS_LIMIT', P: '65000.00000000', L: '65000.00000000', m: false });
  });

  test('a stop-limit whose limit is above its stop waits, after triggering, for the price to come back', () => {
    const { place, tick } = setup({ BTC: '1' });
    const { order } = place({ side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '65500', stopPrice: '65000' });
    tick('64000');
    expect(order).toMatchObject({ status: 'NEW', isWorking: true });
    tick('65400');
    expect(order.status).toBe('NEW');
    tick('65600');
    expect(order).toMatchObject({ status: 'FILLED', cummulativeQuoteQty: '6550' });
  });

  test('a SELL TAKE_PROFIT_LIMIT triggers on the way up', () => {
    const { place, tick } = setup({ BTC: '1' });
    const { order } = place({ side: 'SELL', type: 'TAKE_PROFIT_LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '72000', stopPrice: '72000' });
    tick('71000');
    expect(order.status).toBe('NEW');
    tick('72500');
    expect(order).toMatchObject({ status: 'FILLED', cummulativeQuoteQty: '7200' });
  });

  test('a market STOP_LOSS fills at its stop when the price crosses it (on a symbol that lists the type)', () => {
    const withStops: SymbolInfo = { ...BTCUSDT, orderTypes: [...BTCUSDT.orderTypes, 'STOP_LOSS'] };
    const { place, tick } = setup({ BTC: '1' }, {}, withStops);
    const { order } = place({ side: 'SELL', type: 'STOP_LOSS', quantity: '0.1', stopPrice: '65000' });
    tick('63000');
    expect(order).toMatchObject({ status: 'FILLED', cummulativeQuoteQty: '6500' });
  });

  test('a BUY STOP_LOSS_LIMIT locks quote at its limit and triggers on the way up', () => {
    const { accounts, place, tick } = setup({ USDT: '10000' });
    const { order } = place({ side: 'BUY', type: 'STOP_LOSS_LIMIT', timeInForce: 'GTC', quantity: '0.1', price: '71100', stopPrice: '71000' });
    expect(accounts.get('USDT').locked).toBe('7110');
    tick('71050');
    // Taker at the ask where the price crossed the stop, not at its 71100 limit; the rest of the lock is refunded.
    expect(order).toMatchObject({ status: 'FILLED', cummulativeQuoteQty: '7100' });
    expect(accounts.get('USDT')).toEqual({ free: '2900', locked: '0' });
  });
});

test('order ids, trade ids and execution ids only increase', () => {
  const { place, reports } = setup({ USDT: '10000' });
  const a = place({ side: 'BUY', type: 'MARKET', quantity: '0.01' });
  const b = place({ side: 'BUY', type: 'MARKET', quantity: '0.01' });
  expect(b.order.orderId).toBe(a.order.orderId + 1);
  expect(b.fills[0]!.tradeId).toBe(a.fills[0]!.tradeId + 1);
  const ids = reports().map((r) => r.I);
  expect([...ids].sort((x, y) => x - y)).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});

test('a triggered IOC stop-limit that cannot fill at the trigger expires instead of resting', () => {
  const { place, tick } = setup({ BTC: '1' });
  const { order } = place({ side: 'SELL', type: 'STOP_LOSS_LIMIT', timeInForce: 'IOC', quantity: '0.1', price: '65500', stopPrice: '65000' });
  tick('64000');
  expect(order).toMatchObject({ status: 'EXPIRED', executedQty: '0', expiryReason: 'UNFILLED_IOC_QUANTITY_EXPIRED' });
});
