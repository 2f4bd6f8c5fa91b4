/**
 * The filter engine on real symbols (the three exchangeInfo captures): exact rounding, the
 * adjust and strict modes, parameters, errors and helpers. The whole-order rules and
 * permissions are in filters-rules.test.ts; the sweep over every symbol's boundaries is in
 * filters-fixtures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  checkOrder,
  lotSizeOf,
  minNotionalOf,
  priceFilterOf,
  stepDecimals,
  tickDecimals,
  violationsToError,
  type OrderDraft,
} from '../../src/binance/filters.js';
import { commonStep } from '../../src/binance/filters-rules.js';
import { AppError } from '../../src/errors.js';
import { BTCUSDT, accepted, at, limit, refused, symbolOf, variant } from './filters-helpers.js';

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
      expect(buy.adjustments).toEqual(['price rounded down from 65,000.009 to 65,000 (tick 0.01)']);
    }
  });

  it('STOP_LOSS_LIMIT SELL: stop rounded down (DESIGN §5) and limit down (the released order can fill)', () => {
    const order = accepted(
      checkOrder(BTCUSDT(), { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.01', stopPrice: '64000.009', price: '63900.009', timeInForce: 'GTC' }, at('65000'), 'adjust'),
    );
    expect([order.stopPrice, order.price]).toEqual(['64000.00', '63900.00']);
    expect(order.adjustments).toEqual([
      'limit price rounded down from 63,900.009 to 63,900 (tick 0.01)',
      'stop price rounded down from 64,000.009 to 64,000 (tick 0.01)',
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
