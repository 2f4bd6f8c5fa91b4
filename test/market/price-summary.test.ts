/**
 * The trading rules /price shows, read from real exchangeInfo captures: the 2023-10 mainnet
 * NOTIONAL vintage, the 2022-11 legacy MIN_NOTIONAL vintage (with a symbol in BREAK), and the
 * 2024-09 list.
 */
import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import type { SymbolInfo } from '../../src/binance/types.js';
import { renderTradingRules, tradingRulesOf } from '../../src/market/price-summary.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';

const symbolIn = (path: string, symbol: string): SymbolInfo => parseExchangeInfo(fixture(path)).symbols.find((s) => s.symbol === symbol)!;

describe('trading rules for /price', () => {
  it('reads tick, step, minimum quantity and minimum order value from NOTIONAL (BTCUSDT 2023-10)', () => {
    const btc = symbolIn(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly, 'BTCUSDT');
    expect(tradingRulesOf(btc)).toEqual({
      status: 'TRADING',
      tickSize: '0.01',
      stepSize: '0.00001',
      minQty: '0.00001',
      minNotional: '5',
      marketMinNotional: '5',
    });
    expect(renderTradingRules(btc)).toBe('Rules: tick 0.01 · step 0.00001 BTC · min qty 0.00001 BTC · min order 5 USDT');
  });

  it('reads the legacy MIN_NOTIONAL and warns first when the symbol is not trading (BTCTUSD, BREAK in 2022-11)', () => {
    const btcTusd = symbolIn(EXCHANGE_INFO_FIXTURES.legacy2022, 'BTCTUSD');
    expect(tradingRulesOf(btcTusd)).toMatchObject({ status: 'BREAK', tickSize: '0.01', stepSize: '0.00001', minNotional: '10' });
    expect(renderTradingRules(btcTusd)).toBe(
      '⚠️ Status BREAK: not trading, orders are refused.\nRules: tick 0.01 · step 0.00001 BTC · min qty 0.00001 BTC · min order 10 TUSD',
    );
  });

  it('says when market orders have no minimum (NOTIONAL applyMinToMarket false)', () => {
    // Derived from the real ETHBTC 2024-09 listing: no capture has applyMinToMarket false.
    const ethBtc = symbolIn(EXCHANGE_INFO_FIXTURES.testnet2024, 'ETHBTC');
    expect(renderTradingRules(ethBtc)).toBe('Rules: tick 0.00001 · step 0.0001 ETH · min qty 0.0001 ETH · min order 0.0001 BTC');
    const limitOnly: SymbolInfo = {
      ...ethBtc,
      filters: ethBtc.filters.map((f) => (f.filterType === 'NOTIONAL' ? { ...f, applyMinToMarket: false } : f)),
    };
    expect(renderTradingRules(limitOnly)).toContain('min order 0.0001 BTC (market orders: none)');
  });
});
