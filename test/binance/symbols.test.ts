import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import { findSymbol, normalizeSymbolInput, suggestSymbols } from '../../src/binance/symbols.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';

const info2024 = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.testnet2024));
const names2024 = info2024.symbols.map((s) => s.symbol);

describe('normalizeSymbolInput', () => {
  it('accepts the ways traders write a pair', () => {
    for (const text of ['btcusdt', 'BTC/USDT', 'BTC-USDT', 'btc_usdt', ' BtcUsdt ', 'BTC:USDT', '\tBTCUSDT\n']) {
      expect(normalizeSymbolInput(text), JSON.stringify(text)).toBe('BTCUSDT');
    }
    expect(normalizeSymbolInput('1inch/usdt')).toBe('1INCHUSDT');
    // rest-api.md signs an order for a full-width symbol: it is kept as typed, not folded to ASCII.
    expect(normalizeSymbolInput('１２３４５６')).toBe('１２３４５６');
  });

  it('refuses junk', () => {
    for (const text of ['', '   ', 'B', '!!!', 'BTC/USDT/ETH', 'BTC//USDT', 'BTC USDT', '/BTC', 'BTC/', 'BTC$', '💰USDT', 'x'.repeat(60)]) {
      expect(normalizeSymbolInput(text), JSON.stringify(text)).toBeUndefined();
    }
    expect(normalizeSymbolInput(undefined as unknown as string)).toBeUndefined();
  });
});

describe('suggestSymbols', () => {
  it('completes a cut-off quote: BTCUSD → BTCUSDT first, then other USD quotes', () => {
    const suggestions = suggestSymbols('BTCUSD', names2024);
    expect(suggestions[0]).toBe('BTCUSDT');
    expect(suggestions).toContain('BTCUSDC');
    expect(suggestions.length).toBeLessThanOrEqual(3);
  });

  it('offers the main quotes for a bare base asset', () => {
    expect(suggestSymbols('eth', names2024)).toEqual(['ETHUSDT', 'ETHUSDC', 'ETHFDUSD']);
  });

  it('fixes typos and swapped letters', () => {
    expect(suggestSymbols('ETHUSTD', names2024)[0]).toBe('ETHUSDT');
    expect(suggestSymbols('BTCUSTD', names2024)[0]).toBe('BTCUSDT');
    expect(suggestSymbols('SOLUDST', names2024)[0]).toBe('SOLUSDT');
    expect(suggestSymbols('BNBUSDTT', names2024)[0]).toBe('BNBUSDT');
  });

  it('recognises base and quote written the other way round', () => {
    expect(suggestSymbols('usdt/btc', names2024)[0]).toBe('BTCUSDT');
  });

  it('returns the symbol itself when it exists, nothing for junk or nonsense, and honours the limit', () => {
    expect(suggestSymbols('btc/usdt', names2024)).toEqual(['BTCUSDT']);
    expect(suggestSymbols('???', names2024)).toEqual([]);
    expect(suggestSymbols('QQQQQQQQQQ', names2024)).toEqual([]);
    expect(suggestSymbols('ETH', names2024, 1)).toEqual(['ETHUSDT']);
    expect(suggestSymbols('ETH', names2024, 0)).toEqual([]);
  });
});

describe('findSymbol', () => {
  it('finds the listed symbol from what a trader typed', () => {
    expect(findSymbol(info2024, 'eth/btc')?.symbol).toBe('ETHBTC');
    expect(findSymbol(info2024, ' BtcUsdt ')).toBe(info2024.symbols.find((s) => s.symbol === 'BTCUSDT'));
    expect(findSymbol(info2024, 'BTCUSD')).toBeUndefined();
    expect(findSymbol(info2024, 'not a symbol')).toBeUndefined();
  });

  it('works on the bare 2023 symbol list and the legacy 2022 response (BREAK symbols are still found)', () => {
    const legacy = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.legacy2022));
    expect(findSymbol(legacy, 'bcc/btc')?.status).toBe('BREAK');
    const bare = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly));
    expect(findSymbol(bare, 'lunc-busd')?.symbol).toBe('LUNCBUSD');
  });
});
