/**
 * The whole-order rules and permissions on real symbols: NOTIONAL and the legacy MIN_NOTIONAL,
 * symbol status, spot permission, order types, quote-sized orders, PERCENT_PRICE(_BY_SIDE),
 * MARKET_LOT_SIZE, MAX_NUM_*, ICEBERG_PARTS, MAX_POSITION, TRAILING_DELTA, unknown filters.
 */
import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import { checkOrder, minNotionalOf, type OrderDraft } from '../../src/binance/filters.js';
import type { SymbolFilter } from '../../src/binance/symbol-filter-types.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';
import { BTCUSDT, accepted, at, limit, refused, symbolOf, variant } from './filters-helpers.js';

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
