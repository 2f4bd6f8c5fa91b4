import { it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import { checkOrder } from '../../src/binance/filters.js';
import { suggestSymbols } from '../../src/binance/symbols.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';
it('prof', () => {
  let t = performance.now();
  const info = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.legacy2022));
  console.log('parse legacy (incl. JSON) ms', (performance.now() - t).toFixed(0));
  t = performance.now();
  parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.legacy2022));
  console.log('parse legacy (zod only) ms', (performance.now() - t).toFixed(0));
  const btc = info.symbols.find(s => s.symbol === 'BTCUSDT')!;
  const n = 100000;
  for (const [label, draft, mode] of [
    ['adjust LIMIT off-grid', { side: 'BUY', type: 'LIMIT', quantity: '0.0012345', price: '65000.005', timeInForce: 'GTC' }, 'adjust'],
    ['adjust LIMIT on-grid', { side: 'BUY', type: 'LIMIT', quantity: '0.00123', price: '65000.01', timeInForce: 'GTC' }, 'adjust'],
    ['strict LIMIT', { side: 'BUY', type: 'LIMIT', quantity: '0.00123', price: '65000.01', timeInForce: 'GTC' }, 'strict'],
    ['adjust STOP_LOSS_LIMIT', { side: 'SELL', type: 'STOP_LOSS_LIMIT', quantity: '0.00123', stopPrice: '64000.005', price: '63000.005', timeInForce: 'GTC' }, 'adjust'],
    ['strict MARKET quote', { side: 'BUY', type: 'MARKET', quoteOrderQty: '100' }, 'strict'],
  ] as const) {
    for (let i = 0; i < 2000; i++) checkOrder(btc, draft as never, { referencePrice: '65000' }, mode);
    t = performance.now();
    for (let i = 0; i < n; i++) checkOrder(btc, draft as never, { referencePrice: '65000' }, mode);
    console.log(label, 'us/op', ((performance.now() - t) * 1000 / n).toFixed(2));
  }
  const names = info.symbols.map(s => s.symbol);
  t = performance.now();
  for (let i = 0; i < 200; i++) suggestSymbols('BTCUSTD', names);
  console.log('suggestSymbols over', names.length, 'ms/op', ((performance.now() - t) / 200).toFixed(2));
});
