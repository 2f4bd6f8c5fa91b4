/**
 * The filter engine on real symbols (the three exchangeInfo captures), one rule at a time. The
 * sweep over every symbol's boundaries is in filters-fixtures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import {
  checkOrder,
  lotSizeOf,
  minNotionalOf,
  priceFilterOf,
  stepDecimals,
  tickDecimals,
  violationsToError,
  type FilterContext,
  type FilterVerdict,
  type OrderDraft,
} from '../../src/binance/filters.js';
import { commonStep } from '../../src/binance/filters-rules.js';
import type { ExchangeInfo, SymbolFilter, SymbolInfo } from '../../src/binance/types.js';
import { AppError } from '../../src/errors.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';

const infos = new Map<string, ExchangeInfo>();
function symbolOf(which: keyof typeof EXCHANGE_INFO_FIXTURES, name: string): SymbolInfo {
  let info = infos.get(which);
  if (!info) {
    info = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES[which]));
    infos.set(which, info);
  }
  const found = info.symbols.find((s) => s.symbol === name);
  if (!found) throw new Error(`${name} not in ${which}`);
  return found;
}
/** A real symbol with one field changed (a fresh object: the engine indexes by identity). */
const variant = (s: SymbolInfo, change: Partial<SymbolInfo>): SymbolInfo => ({ ...structuredClone(s), ...change });

const BTCUSDT = () => symbolOf('testnet2024', 'BTCUSDT'); // tick 0.01, step 0.00001, NOTIONAL 5, BY_SIDE 5/0.2
const at = (referencePrice: string, extra: Partial<FilterContext> = {}): FilterContext => ({ referencePrice, ...extra });

function accepted(verdict: FilterVerdict) {
  if (!verdict.ok) throw new Error(`expected acceptance, got ${verdict.violations.map((v) => v.message).join(' | ')}`);
  return verdict.order;
}
function refused(verdict: FilterVerdict) {
  if (verdict.ok) throw new Error(`expected refusal, got ${JSON.stringify(verdict.order)}`);
  return verdict.violations;
}

const limit = (side: 'BUY' | 'SELL', quantity: string, price: string): OrderDraft => ({
  side,
  type: 'LIMIT',
  quantity,
  price,
  timeInForce: 'GTC',
});

describe('the classic float traps are exact', () => {
  it('0.3 at step 0.1 stays 0.3 (TRXUSDT quantity)', () => {
    const trx = symbolOf('testnet2024', 'TRXUSDT');
    expect(accepted(checkOrder(trx, limit('BUY', '0.3', '20'), at('20'), 'strict')).quantity).toBe('0.3');
    const order = accepted(checkOrder(trx, limit('BUY', '0.3', '20'), at('20'), 'adjust'));
    expect(order.quantity).toBe('0.3');
    expect(order.adjustments).toEqual([]);
    // The float sum 0.1 + 0.2, sent as text: too precise as sent, floored to 0.3 when adjusting.
    expect(refused(checkOrder(trx, limit('BUY', '0.30000000000000004', '20'), at('20'), 'strict'))[0]?.filter).toBe('PRECISION');
    expect(accepted(checkOrder(trx, limit('BUY', '0.30000000000000004', '20'), at('20'), 'adjust')).quantity).toBe('0.3');
  });

  it('4.35 at tick 0.01 stays 4.35 (float: 4.35 / 0.01 = 434.99999999999994)', () => {
    expect(Math.floor(4.35 / 0.01)).toBe(434);
    for (const side of ['BUY', 'SELL'] as const) {
      const draft = limit(side, '2', '4.35');
      expect(accepted(checkOrder(BTCUSDT(), draft, at('4.35'), 'strict')).price).toBe('4.35');
      const order = accepted(checkOrder(BTCUSDT(), draft, at('4.35'), 'adjust'));
      expect(order.price).toBe('4.35');
      expect(order.notional).toBe('8.7');
      expect(order.adjustments).toEqual([]);
    }
  });

  it('29999.99999999 at tick 0.01: off the tick when strict, 29999.99 for a BUY and 30000.00 for a SELL', () => {
    const draft = limit('BUY', '0.001', '29999.99999999');
    const [v] = refused(checkOrder(BTCUSDT(), draft, at('30000'), 'strict'));
    expect(v).toMatchObject({ filter: 'PRICE_FILTER', code: 'ORDER_FILTER_PRICE', limit: '0.01' });
    expect(v?.message).toBe('Price 29999.99999999 is not a multiple of the tick size 0.01');
    expect(accepted(checkOrder(BTCUSDT(), draft, at('30000'), 'adjust')).price).toBe('29999.99');
    expect(accepted(checkOrder(BTCUSDT(), { ...draft, side: 'SELL' }, at('30000'), 'adjust')).price).toBe('30000.00');
  });

  it('1e-7 sent as "0.0000001" is on the 1e-8 tick (TRXBTC)', () => {
    const trx = symbolOf('testnet2024', 'TRXBTC');
    const draft = limit('BUY', '1000', '0.0000001');
    expect(accepted(checkOrder(trx, draft, at('0.0000001'), 'strict')).price).toBe('0.0000001');
    expect(accepted(checkOrder(trx, draft, at('0.0000001'), 'adjust')).price).toBe('0.00000010');
    // The float's own text is refused as a parameter: Binance takes no exponent.
    expect(String(1e-7)).toBe('1e-7');
    expect(refused(checkOrder(trx, limit('BUY', '1000', String(1e-7)), at('0.0000001'), 'adjust'))[0]?.filter).toBe('PARAMETER');
  });
});

describe('adjust mode rounds in the direction that cannot hurt the trader', () => {
  it('floors the quantity and says so', () => {
    const order = accepted(checkOrder(BTCUSDT(), limit('BUY', '0.0012345', '65000'), at('65000'), 'adjust'));
    expect(order.quantity).toBe('0.00123');
    expect(order.adjustments).toEqual(['quantity rounded down from 0.0012345 to 0.00123 (step 0.00001)']);
  });

  it('formats with exactly the grid decimals', () => {
    const order = accepted(checkOrder(BTCUSDT(), limit('BUY', '1', '65000'), at('65000'), 'adjust'));
    expect(order).toMatchObject({ quantity: '1.00000', price: '65000.00', timeInForce: 'GTC', notional: '65000' });
  });

  it('LIMIT and LIMIT_MAKER: a BUY never pays more, a SELL never receives less', () => {
    for (const type of ['LIMIT', 'LIMIT_MAKER'] as const) {
      const tif = type === 'LIMIT' ? { timeInForce: 'GTC' as const } : {};
      const buy = accepted(checkOrder(BTCUSDT(), { side: 'BUY', type, quantity: '0.001', price: '65000.009', ...tif }, at('65000'), 'adjust'));
      const sell = accepted(checkOrder(BTCUSDT(), { side: 'SELL', type, quantity: '0.001', price: '65000.001', ...tif }, at('65000'), 'adjust'));
      expect([buy.price, sell.price], type).toEqual(['65000.00', '65000.01']);
      expect(buy.adjustments).toEqual(['price rounded down from 65000.009 to 65000 (tick 0.01)']);
    }
  });

  it('STOP_LOSS_LIMIT SELL: stop rounded down (DESIGN §5) and limit down (the released order can fill)', () => {
    const order = accepted(
      checkOrder(BTCUSDT(), { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.01', stopPrice: '64000.009', price: '63900.009', timeInForce: 'GTC' }, at('65000'), 'adjust'),
    );
    expect([order.stopPrice, order.price]).toEqual(['64000.00', '63900.00']);
    expect(order.adjustments).toEqual([
      'limit price rounded down from 63900.009 to 63900 (tick 0.01)',
      'stop price rounded down from 64000.009 to 64000 (tick 0.01)',
    ]);
  });

  it('STOP_LOSS_LIMIT BUY: stop rounded up and limit up', () => {
    const order = accepted(
      checkOrder(BTCUSDT(), { side: 'BUY', type: 'STOP_LOSS_LIMIT', quantity: '0.01', stopPrice: '66000.001', price: '66100.001', timeInForce: 'GTC' }, at('65000'), 'adjust'),
    );
    expect([order.stopPrice, order.price]).toEqual(['66000.01', '66100.01']);
  });

  it('TAKE_PROFIT_LIMIT: the trigger never cashes a worse target (SELL up, BUY down), the limit stays fillable', () => {
    const sell = accepted(
      checkOrder(BTCUSDT(), { side: 'SELL', type: 'TAKE_PROFIT_LIMIT', quantity: '0.01', stopPrice: '70000.001', price: '69900.009', timeInForce: 'GTC' }, at('65000'), 'adjust'),
    );
    expect([sell.stopPrice, sell.price]).toEqual(['70000.01', '69900.00']);
    const buy = accepted(
      checkOrder(BTCUSDT(), { side: 'BUY', type: 'TAKE_PROFIT_LIMIT', quantity: '0.01', stopPrice: '60000.009', price: '60100.001', timeInForce: 'GTC' }, at('65000'), 'adjust'),
    );
    expect([buy.stopPrice, buy.price]).toEqual(['60000.00', '60100.01']);
  });

  it('STOP_LOSS and TAKE_PROFIT (market once triggered) round their stop the same ways, valued at the stop', () => {
    // No captured symbol lists these types; the engine must still get them right where they are.
    const all = variant(BTCUSDT(), { orderTypes: ['LIMIT', 'MARKET', 'STOP_LOSS', 'TAKE_PROFIT'] });
    const stop = (side: 'BUY' | 'SELL', type: 'STOP_LOSS' | 'TAKE_PROFIT', stopPrice: string) =>
      accepted(checkOrder(all, { side, type, quantity: '0.01', stopPrice }, at('65000'), 'adjust'));
    expect(stop('SELL', 'STOP_LOSS', '64000.009')).toMatchObject({ stopPrice: '64000.00', notional: '640' });
    expect(stop('BUY', 'STOP_LOSS', '66000.001').stopPrice).toBe('66000.01');
    expect(stop('SELL', 'TAKE_PROFIT', '70000.001').stopPrice).toBe('70000.01');
    expect(stop('BUY', 'TAKE_PROFIT', '60000.009').stopPrice).toBe('60000.00');
    const tiny = refused(checkOrder(all, { side: 'SELL', type: 'STOP_LOSS', quantity: '0.00007', stopPrice: '64000' }, at('65000'), 'adjust'));
    expect(tiny[0]?.message).toBe('The order value 4.48 USDT (at the stop price) is below the minimum of 5 USDT');
  });

  it('a quantity that floors below the minimum or to zero is a violation, not an adjustment', () => {
    const [below] = refused(checkOrder(BTCUSDT(), limit('BUY', '0.000001', '65000'), at('65000'), 'adjust'));
    expect(below).toMatchObject({ filter: 'LOT_SIZE', code: 'ORDER_FILTER_LOT_SIZE' });
    expect(below?.message).toBe('0.000001 BTC is smaller than the step size 0.00001 BTC');
    const trx = symbolOf('testnet2024', 'TRXUSDT'); // min 0.1 = step
    const [floored] = refused(checkOrder(trx, limit('BUY', '0.09', '100'), at('100'), 'adjust'));
    expect(floored?.message).toBe('0.09 TRX is smaller than the step size 0.1 TRX');
    const [min] = refused(checkOrder(BTCUSDT(), limit('BUY', '0.000009', '65000'), at('65000'), 'strict'));
    expect(min?.message).toBe('0.000009 BTC is below the minimum order of 0.00001 BTC');
  });

  it('fills in GTC for a limit order without a time in force; strict mode asks for it', () => {
    const draft: OrderDraft = { side: 'BUY', type: 'LIMIT', quantity: '0.001', price: '65000' };
    expect(accepted(checkOrder(BTCUSDT(), draft, at('65000'), 'adjust')).timeInForce).toBe('GTC');
    expect(refused(checkOrder(BTCUSDT(), draft, at('65000'), 'strict'))[0]).toMatchObject({ filter: 'PARAMETER', code: 'ORDER_INVALID_INPUT' });
  });
});

describe('strict mode moves nothing', () => {
  it('names the filter Binance would name, with a sentence', () => {
    const [tick] = refused(checkOrder(BTCUSDT(), limit('BUY', '0.001', '70000.005'), at('70000'), 'strict'));
    expect(tick).toEqual({ filter: 'PRICE_FILTER', code: 'ORDER_FILTER_PRICE', limit: '0.01', message: 'Price 70000.005 is not a multiple of the tick size 0.01' });
    const [step] = refused(checkOrder(BTCUSDT(), limit('BUY', '0.000015', '70000'), at('70000'), 'strict'));
    expect(step).toMatchObject({ filter: 'LOT_SIZE', limit: '0.00001' });
    const [precision] = refused(checkOrder(BTCUSDT(), limit('BUY', '0.000000001', '70000'), at('70000'), 'strict'));
    expect(precision).toMatchObject({ filter: 'PRECISION', code: 'ORDER_FILTER_LOT_SIZE', limit: '8' });
  });

  it('returns the values exactly as sent', () => {
    const order = accepted(checkOrder(BTCUSDT(), limit('BUY', '0.00100000', '70000.10000000'), at('70000'), 'strict'));
    expect([order.quantity, order.price]).toEqual(['0.00100000', '70000.10000000']);
  });
});

describe('order value: NOTIONAL and the legacy MIN_NOTIONAL', () => {
  it('refuses an order worth less than the minimum, in words', () => {
    const [v] = refused(checkOrder(BTCUSDT(), limit('BUY', '0.00005', '64000'), at('64000'), 'adjust'));
    expect(v).toEqual({ filter: 'NOTIONAL', code: 'ORDER_FILTER_NOTIONAL', limit: '5', message: 'The order value 3.2 USDT is below the minimum of 5 USDT' });
  });

  it('MARKET: values a quantity at the reference price, a quote amount as itself', () => {
    const draft: OrderDraft = { side: 'BUY', type: 'MARKET', quantity: '0.00007' };
    expect(refused(checkOrder(BTCUSDT(), draft, at('65000'), 'adjust'))[0]?.message).toBe(
      'The order value 4.55 USDT (at the current price of 65000 USDT) is below the minimum of 5 USDT',
    );
    expect(accepted(checkOrder(BTCUSDT(), draft, at('80000'), 'adjust')).notional).toBe('5.6');
    const quote = accepted(checkOrder(BTCUSDT(), { side: 'BUY', type: 'MARKET', quoteOrderQty: '10.123456789' }, at('65000'), 'adjust'));
    expect(quote).toMatchObject({ quoteOrderQty: '10.12345678', notional: '10.12345678' });
    expect(refused(checkOrder(BTCUSDT(), { side: 'BUY', type: 'MARKET', quoteOrderQty: '4.99' }, at('65000'), 'adjust'))[0]?.filter).toBe('NOTIONAL');
  });

  it('applies maxNotional to a LIMIT but not to a MARKET when applyMaxToMarket is false', () => {
    const [v] = refused(checkOrder(BTCUSDT(), limit('BUY', '120', '80000'), at('80000'), 'adjust'));
    expect(v).toMatchObject({ filter: 'NOTIONAL', limit: '9000000', message: 'The order value 9600000 USDT is above the maximum of 9000000 USDT' });
    expect(accepted(checkOrder(BTCUSDT(), { side: 'BUY', type: 'MARKET', quantity: '120' }, at('80000'), 'adjust')).notional).toBe('9600000');
  });

  it('checks a stop-limit at the stop price too (the safe side)', () => {
    const draft: OrderDraft = { side: 'BUY', type: 'STOP_LOSS_LIMIT', quantity: '0.00008', stopPrice: '62000', price: '63000', timeInForce: 'GTC' };
    const [v] = refused(checkOrder(BTCUSDT(), draft, at('61000'), 'adjust'));
    expect(v?.message).toBe('The order value 4.96 USDT (at the stop price) is below the minimum of 5 USDT');
    expect(accepted(checkOrder(BTCUSDT(), { ...draft, stopPrice: '62500' }, at('61000'), 'adjust')).notional).toBe('5.04');
  });

  it('legacy 2022 BTCUSDT: MIN_NOTIONAL 10 (applyToMarket) maps to ORDER_FILTER_NOTIONAL', () => {
    const legacy = symbolOf('legacy2022', 'BTCUSDT');
    expect(minNotionalOf(legacy, 'LIMIT')).toBe('10');
    expect(minNotionalOf(legacy, 'MARKET')).toBe('10');
    const [v] = refused(checkOrder(legacy, limit('BUY', '0.0001', '65000'), at('65000'), 'strict'));
    expect(v).toEqual({ filter: 'MIN_NOTIONAL', code: 'ORDER_FILTER_NOTIONAL', limit: '10', message: 'The order value 6.5 USDT is below the minimum of 10 USDT' });
    expect(refused(checkOrder(legacy, { side: 'SELL', type: 'MARKET', quantity: '0.0001' }, at('65000'), 'strict'))[0]?.filter).toBe('MIN_NOTIONAL');
    expect(accepted(checkOrder(legacy, limit('BUY', '0.0002', '65000'), at('65000'), 'strict')).notional).toBe('13');
  });

  it('legacy PERCENT_PRICE bounds the price around the average for both sides', () => {
    const legacy = symbolOf('legacy2022', 'BTCUSDT'); // 5 / 0.2
    const [high] = refused(checkOrder(legacy, limit('SELL', '0.001', '325000.01'), at('65000'), 'adjust'));
    expect(high).toMatchObject({ filter: 'PERCENT_PRICE', code: 'ORDER_FILTER_PERCENT_PRICE', limit: '325000' });
    expect(accepted(checkOrder(legacy, limit('SELL', '0.001', '325000'), at('65000'), 'adjust')).price).toBe('325000.00');
  });
});

describe('symbol status and permissions', () => {
  it('refuses a BREAK symbol before anything else', () => {
    const bcc = symbolOf('legacy2022', 'BCCBTC');
    expect(bcc.status).toBe('BREAK');
    const violations = refused(checkOrder(bcc, limit('BUY', '0.000000001', '1'), at('1'), 'adjust'));
    expect(violations).toEqual([
      { filter: 'SYMBOL_STATUS', code: 'ORDER_SYMBOL_NOT_TRADING', limit: 'TRADING', message: 'Symbol BCCBTC is not trading right now (status BREAK)' },
    ]);
  });

  it('refuses a symbol without spot trading (2022 leveraged tokens)', () => {
    const up = symbolOf('legacy2022', 'BTCUPUSDT');
    expect(refused(checkOrder(up, limit('BUY', '1', '10'), at('10'), 'adjust'))[0]).toMatchObject({ filter: 'SPOT_NOT_ALLOWED', code: 'ORDER_SYMBOL_NOT_TRADING' });
  });

  it('refuses an order type the symbol does not list (STOP_LOSS is listed nowhere; STOP_LOSS_LIMIT only where listed)', () => {
    const [v] = refused(checkOrder(BTCUSDT(), { side: 'SELL', type: 'STOP_LOSS', quantity: '0.01', stopPrice: '60000' }, at('65000'), 'adjust'));
    expect(v).toMatchObject({ filter: 'ORDER_TYPE', code: 'ORDER_TYPE_NOT_ALLOWED' });
    expect(v?.message).toBe(
      'Stop-loss (market) orders are not allowed on BTCUSDT; allowed here: limit, limit maker (post-only), market, stop-limit, take-profit limit',
    );
    const noStopLimit = variant(BTCUSDT(), { orderTypes: ['LIMIT', 'MARKET'] });
    const stopLimit: OrderDraft = { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.01', stopPrice: '60000', price: '59900', timeInForce: 'GTC' };
    expect(accepted(checkOrder(BTCUSDT(), stopLimit, at('65000'), 'adjust')).type).toBe('STOP_LOSS_LIMIT');
    expect(refused(checkOrder(noStopLimit, stopLimit, at('65000'), 'adjust'))[0]?.code).toBe('ORDER_TYPE_NOT_ALLOWED');
  });

  it('quote-sized MARKET orders need quoteOrderQtyMarketAllowed (absent reads as not allowed)', () => {
    const draft: OrderDraft = { side: 'BUY', type: 'MARKET', quoteOrderQty: '100' };
    expect(accepted(checkOrder(BTCUSDT(), draft, at('65000'), 'strict')).quoteOrderQty).toBe('100');
    const off = variant(BTCUSDT(), { quoteOrderQtyMarketAllowed: false });
    const [v] = refused(checkOrder(off, draft, at('65000'), 'strict'));
    expect(v).toMatchObject({ filter: 'QUOTE_ORDER_QTY', code: 'ORDER_QUOTE_QTY_NOT_ALLOWED' });
    expect(v?.message).toBe('BTCUSDT does not accept market orders sized in USDT; give the quantity in BTC');
    const absent = variant(BTCUSDT(), {});
    delete absent.quoteOrderQtyMarketAllowed;
    expect(refused(checkOrder(absent, draft, at('65000'), 'strict'))[0]?.filter).toBe('QUOTE_ORDER_QTY');
    expect(accepted(checkOrder(off, { side: 'BUY', type: 'MARKET', quantity: '0.01' }, at('65000'), 'strict')).quantity).toBe('0.01');
  });
});

describe('PERCENT_PRICE_BY_SIDE', () => {
  it('refuses a deep stop-limit whose limit is below askMultiplierDown × reference', () => {
    const deep: OrderDraft = { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.01', stopPrice: '14000', price: '12000', timeInForce: 'GTC' };
    const [v] = refused(checkOrder(BTCUSDT(), deep, at('65000'), 'adjust'));
    expect(v).toEqual({
      filter: 'PERCENT_PRICE_BY_SIDE',
      code: 'ORDER_FILTER_PERCENT_PRICE',
      limit: '13000',
      message: 'Price 12000 USDT is too far below the market price of 65000 USDT: the lowest allowed now is 13000 USDT',
    });
    expect(accepted(checkOrder(BTCUSDT(), { ...deep, price: '13000' }, at('65000'), 'adjust')).price).toBe('13000.00');
  });

  it('uses the bid multipliers for a BUY and the ask multipliers for a SELL (filters.md example values)', () => {
    // filters.md: bidMultiplierUp 1.2, bidMultiplierDown 0.2, askMultiplierUp 5, askMultiplierDown 0.8.
    const base = BTCUSDT();
    const filters: SymbolFilter[] = base.filters.map((f) =>
      f.filterType === 'PERCENT_PRICE_BY_SIDE'
        ? { ...f, bidMultiplierUp: '1.2', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.8', avgPriceMins: 1 }
        : f,
    );
    const sided = variant(base, { filters });
    const ctx = at('100');
    expect(accepted(checkOrder(sided, limit('BUY', '1', '120'), ctx, 'strict')).price).toBe('120');
    expect(refused(checkOrder(sided, limit('BUY', '1', '120.01'), ctx, 'strict'))[0]?.limit).toBe('120');
    expect(accepted(checkOrder(sided, limit('BUY', '1', '20'), ctx, 'strict')).price).toBe('20');
    expect(refused(checkOrder(sided, limit('SELL', '1', '79.99'), ctx, 'strict'))[0]?.limit).toBe('80');
    expect(accepted(checkOrder(sided, limit('SELL', '1', '500'), ctx, 'strict')).price).toBe('500');
  });
});

describe('the other filters', () => {
  it('MARKET_LOT_SIZE caps market quantities only', () => {
    const [v] = refused(checkOrder(BTCUSDT(), { side: 'SELL', type: 'MARKET', quantity: '130' }, at('1000'), 'strict'));
    expect(v).toMatchObject({ filter: 'MARKET_LOT_SIZE', code: 'ORDER_FILTER_MARKET_LOT_SIZE', limit: '129.84957276' });
    expect(v?.message).toBe('130 BTC is above the maximum market order of 129.84957276 BTC');
    expect(accepted(checkOrder(BTCUSDT(), limit('SELL', '130', '1000'), at('1000'), 'strict')).quantity).toBe('130');
  });

  it('MAX_NUM_ORDERS and MAX_NUM_ALGO_ORDERS count what the context says is open', () => {
    const stop: OrderDraft = { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.01', stopPrice: '60000', price: '59900', timeInForce: 'GTC' };
    expect(refused(checkOrder(BTCUSDT(), stop, at('65000', { openOrders: 200 }), 'adjust'))[0]?.filter).toBe('MAX_NUM_ORDERS');
    expect(accepted(checkOrder(BTCUSDT(), stop, at('65000', { openOrders: 199, openAlgoOrders: 4 }), 'adjust')).type).toBe('STOP_LOSS_LIMIT');
    const [algo] = refused(checkOrder(BTCUSDT(), stop, at('65000', { openAlgoOrders: 5 }), 'adjust'));
    expect(algo).toMatchObject({ filter: 'MAX_NUM_ALGO_ORDERS', code: 'ORDER_FILTER_MAX_NUM_ORDERS', limit: '5' });
    expect(accepted(checkOrder(BTCUSDT(), limit('BUY', '0.01', '65000'), at('65000', { openAlgoOrders: 5 }), 'adjust')).type).toBe('LIMIT');
  });

  it('ICEBERG_PARTS: ceil(quantity / icebergQty) parts at most; GTC only', () => {
    const draft = { ...limit('BUY', '1', '65000'), icebergQty: '0.05' };
    const [v] = refused(checkOrder(BTCUSDT(), draft, at('65000'), 'strict'));
    expect(v).toMatchObject({ filter: 'ICEBERG_PARTS', code: 'ORDER_FILTER_ICEBERG', limit: '10' });
    expect(v?.message).toBe('An iceberg of 1 BTC in parts of 0.05 BTC has 20 parts; at most 10 are allowed');
    expect(accepted(checkOrder(BTCUSDT(), { ...draft, icebergQty: '0.1' }, at('65000'), 'strict')).icebergQty).toBe('0.1');
    expect(refused(checkOrder(BTCUSDT(), { ...draft, icebergQty: '0.1', timeInForce: 'IOC' }, at('65000'), 'strict'))[0]?.filter).toBe('PARAMETER');
    const noIceberg = variant(BTCUSDT(), { icebergAllowed: false });
    expect(refused(checkOrder(noIceberg, { ...draft, icebergQty: '0.1' }, at('65000'), 'strict'))[0]?.code).toBe('ORDER_FILTER_ICEBERG');
  });

  it('MAX_POSITION: a BUY may not take the position past the limit (2023 LUNCBUSD)', () => {
    const lunc = symbolOf('mainnet2023SymbolsOnly', 'LUNCBUSD');
    const max = lunc.filters.find((f) => f.filterType === 'MAX_POSITION');
    expect(max).toMatchObject({ maxPosition: '92233720368.54775807' });
    const ctx = at('0.0001', { basePosition: '92233720368' });
    const [v] = refused(checkOrder(lunc, limit('BUY', '100000', '0.0001'), ctx, 'strict'));
    expect(v).toMatchObject({ filter: 'MAX_POSITION', code: 'ORDER_FILTER_MAX_POSITION', limit: '92233720368.54775807' });
    expect(accepted(checkOrder(lunc, limit('SELL', '100000', '0.0001'), ctx, 'strict')).side).toBe('SELL');
    expect(accepted(checkOrder(lunc, limit('BUY', '100000', '0.0001'), at('0.0001', { basePosition: '0' }), 'strict')).side).toBe('BUY');
  });

  it('TRAILING_DELTA bounds a trailing stop', () => {
    const trailing: OrderDraft = { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.01', price: '59900', timeInForce: 'GTC', trailingDelta: 5 };
    expect(refused(checkOrder(BTCUSDT(), trailing, at('65000'), 'strict'))[0]).toMatchObject({ filter: 'TRAILING_DELTA', limit: '10' });
    expect(refused(checkOrder(BTCUSDT(), { ...trailing, trailingDelta: 2001 }, at('65000'), 'strict'))[0]?.limit).toBe('2000');
    expect(accepted(checkOrder(BTCUSDT(), { ...trailing, trailingDelta: 100 }, at('65000'), 'strict')).trailingDelta).toBe(100);
    expect(refused(checkOrder(BTCUSDT(), { ...limit('BUY', '1', '65000'), trailingDelta: 100 }, at('65000'), 'strict'))[0]?.filter).toBe('PARAMETER');
  });
});

describe('filters the engine does not know', () => {
  it('ignores an unknown filter type, even one with non-decimal fields (filters.md MAX_ASSET shape)', () => {
    const raw = structuredClone(fixture<{ symbols: { symbol: string; filters: unknown[] }[] }>(EXCHANGE_INFO_FIXTURES.testnet2024));
    const btc = raw.symbols.find((s) => s.symbol === 'BTCUSDT')!;
    btc.filters.push({ filterType: 'MAX_ASSET', asset: 'USDC', limit: '42.00000000' });
    const [symbol] = parseExchangeInfo({ symbols: [btc] }).symbols;
    expect(accepted(checkOrder(symbol!, limit('BUY', '0.001', '65000'), at('65000'), 'strict')).quantity).toBe('0.001');
  });
});

describe('parameters', () => {
  it('adjust mode takes a long computed decimal and floors it; strict mode takes only the wire shape', () => {
    const computed = '0.001234567890123456789012345678'; // 30 decimals, e.g. an amount divided by a price
    expect(accepted(checkOrder(BTCUSDT(), limit('BUY', computed, '65000'), at('65000'), 'adjust')).quantity).toBe('0.00123');
    expect(refused(checkOrder(BTCUSDT(), limit('BUY', computed, '65000'), at('65000'), 'strict'))[0]?.filter).toBe('PARAMETER');
  });

  it('refuses missing, extra and malformed parameters before any filter', () => {
    const cases: [OrderDraft, RegExp][] = [
      [{ side: 'BUY', type: 'LIMIT', quantity: '1', timeInForce: 'GTC' }, /needs a price/],
      [{ side: 'BUY', type: 'MARKET', quantity: '1', price: '65000' }, /takes no price/],
      [{ side: 'BUY', type: 'MARKET' }, /needs a quantity or an amount in USDT/],
      [{ side: 'BUY', type: 'MARKET', quantity: '1', quoteOrderQty: '10' }, /not both/],
      [{ side: 'BUY', type: 'LIMIT', quantity: '1e-3', price: '65000', timeInForce: 'GTC' }, /not a plain decimal/],
      [{ side: 'BUY', type: 'LIMIT', quantity: '-1', price: '65000', timeInForce: 'GTC' }, /not a plain decimal/],
      [{ side: 'BUY', type: 'LIMIT_MAKER', quantity: '1', price: '65000', timeInForce: 'GTC' }, /takes no time in force/],
      [{ side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '1', price: '60000', timeInForce: 'GTC' }, /needs a stop price/],
      [{ side: 'BUY', type: 'LIMIT', quantity: '1', quoteOrderQty: '5', price: '1', timeInForce: 'GTC' }, /Only market orders/],
    ];
    for (const [draft, message] of cases) {
      const violations = refused(checkOrder(BTCUSDT(), draft, at('65000'), 'adjust'));
      expect(violations.every((v) => v.filter === 'PARAMETER' && v.code === 'ORDER_INVALID_INPUT'), JSON.stringify(draft)).toBe(true);
      expect(violations.map((v) => v.message).join(' | '), JSON.stringify(draft)).toMatch(message);
    }
  });

  it('throws on a reference price that cannot value a MARKET order (a caller bug, not a trader error)', () => {
    expect(() => checkOrder(BTCUSDT(), { side: 'BUY', type: 'MARKET', quantity: '1' }, at('0'), 'adjust')).toThrow(AppError);
    expect(() => checkOrder(BTCUSDT(), { side: 'BUY', type: 'MARKET', quantity: '1' }, at('NaN'), 'adjust')).toThrow(/referencePrice/);
  });
});

describe('violationsToError and the helpers', () => {
  it('takes the code of the first violation and joins the sentences', () => {
    const violations = refused(checkOrder(BTCUSDT(), { ...limit('BUY', '0.000009', '70000.005') }, at('70000'), 'strict'));
    expect(violations.map((v) => v.filter)).toEqual(['LOT_SIZE', 'PRICE_FILTER']);
    const error = violationsToError(violations);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('ORDER_FILTER_LOT_SIZE');
    expect(error.userMessage).toBe(
      '0.000009 BTC is below the minimum order of 0.00001 BTC. Price 70000.005 is not a multiple of the tick size 0.01.',
    );
    expect(error.details.violations).toEqual(violations);
  });

  it('exposes the grid of a symbol', () => {
    const btc = BTCUSDT();
    expect(priceFilterOf(btc)).toEqual({ filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000', tickSize: '0.01' });
    expect(lotSizeOf(btc, 'LIMIT')).toEqual({ minQty: '0.00001', maxQty: '9000', stepSize: '0.00001' });
    expect(lotSizeOf(btc, 'MARKET')).toEqual({ minQty: '0.00001', maxQty: '129.84957276', stepSize: '0.00001' });
    expect(minNotionalOf(btc, 'MARKET')).toBe('5');
    expect([tickDecimals(btc), stepDecimals(btc), stepDecimals(btc, 'MARKET')]).toEqual([2, 5, 5]);
    expect(commonStep('0.001', '0.0004')).toBe('0.002');
    expect(commonStep('0', '0.01')).toBe('0.01');
    expect(commonStep('1', '0.00000001')).toBe('1');
  });
});
