import { it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import { checkOrder } from '../../src/binance/filters.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';
it('prof', () => {
  const info = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.testnet2024));
  const btc = info.symbols.find(s => s.symbol === 'BTCUSDT')!;
  const n = 200000;
  let t = performance.now();
  for (let i = 0; i < n; i++) checkOrder(btc, { side: 'BUY', type: 'LIMIT', quantity: '0.0012345', price: '65000.005', timeInForce: 'GTC' }, { referencePrice: '65000' }, 'adjust');
  console.log('adjust LIMIT us/op', ((performance.now() - t) * 1000 / n).toFixed(2));
});
