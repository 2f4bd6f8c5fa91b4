import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import type { SymbolFilter } from '../../src/binance/symbol-filter-types.js';
import { AppError } from '../../src/errors.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';

interface RawSymbol {
  symbol: string;
  status: string;
  filters: { filterType: string }[];
  [key: string]: unknown;
}
type RawInfo = { symbols: RawSymbol[]; rateLimits: unknown[] };

const clone = <T>(v: T): T => structuredClone(v);

describe('parseExchangeInfo', () => {
  it('reads the 2024-09 full response: every symbol, rate limits, NOTIONAL and PERCENT_PRICE_BY_SIDE', () => {
    const raw = fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.testnet2024);
    const info = parseExchangeInfo(raw);
    expect(info.symbols).toHaveLength(raw.symbols.length);
    expect(info.symbols).toHaveLength(1248);
    expect(info.timezone).toBe('UTC');
    expect(info.serverTime).toBe(1725817008719);
    expect(info.rateLimits).toContainEqual({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 });
    const eth = info.symbols.find((s) => s.symbol === 'ETHBTC');
    expect(eth?.filters.find((f) => f.filterType === 'NOTIONAL')).toEqual({
      filterType: 'NOTIONAL',
      minNotional: '0.00010000',
      applyMinToMarket: true,
      maxNotional: '9000000.00000000',
      applyMaxToMarket: false,
      avgPriceMins: 5,
    });
    expect(eth?.quoteOrderQtyMarketAllowed).toBe(true);
    // 2024 sends permissions: [] and the real sets elsewhere; extra fields survive for the simulator.
    expect(eth?.permissions).toEqual([]);
    expect((eth as unknown as Record<string, unknown>).permissionSets).toEqual([['SPOT']]);
  });

  it('wraps the 2023-10 bare symbols array', () => {
    const raw = fixture<RawSymbol[]>(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly);
    const info = parseExchangeInfo(raw);
    expect(info.symbols).toHaveLength(1289);
    expect(info.rateLimits).toEqual([]);
    expect(info.serverTime).toBe(0);
    const withPosition = info.symbols.filter((s) => s.filters.some((f) => f.filterType === 'MAX_POSITION'));
    expect(withPosition).toHaveLength(1);
  });

  it('reads the 2022-11 legacy response: MIN_NOTIONAL, PERCENT_PRICE and 681 symbols in BREAK', () => {
    const raw = fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.legacy2022);
    const info = parseExchangeInfo(raw);
    expect(info.symbols).toHaveLength(2124);
    expect(info.symbols.filter((s) => s.status === 'BREAK')).toHaveLength(681);
    const eth = info.symbols.find((s) => s.symbol === 'ETHBTC');
    const types = eth?.filters.map((f) => f.filterType);
    expect(types).toContain('MIN_NOTIONAL');
    expect(types).toContain('PERCENT_PRICE');
    expect(types).not.toContain('NOTIONAL');
  });

  it('keeps an unknown filter type as sent and does not reject the symbol for it', () => {
    const raw = clone(fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.testnet2024));
    const first = raw.symbols[0]!;
    first.filters.push({ filterType: 'MAX_NUM_FUTURE_THINGS', maxFutureThings: 3 } as { filterType: string });
    const info = parseExchangeInfo({ ...raw, symbols: [first] });
    const kept = info.symbols[0]!.filters as unknown as { filterType: string }[];
    expect(kept.at(-1)).toEqual({ filterType: 'MAX_NUM_FUTURE_THINGS', maxFutureThings: 3 });
  });

  it('skips and reports a symbol with a malformed known filter, keeps the others', () => {
    const raw = clone(fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.testnet2024));
    const bad = raw.symbols[1]!;
    const lot = bad.filters.find((f) => f.filterType === 'LOT_SIZE') as unknown as Record<string, unknown>;
    lot.stepSize = 1e-8; // a number, not a decimal string: never guess what was meant
    const skipped: [string, string][] = [];
    const info = parseExchangeInfo(
      { ...raw, symbols: raw.symbols.slice(0, 3) },
      { onSkippedSymbol: (s, reason) => skipped.push([s, reason]) },
    );
    expect(info.symbols.map((s) => s.symbol)).toEqual([raw.symbols[0]!.symbol, raw.symbols[2]!.symbol]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]![0]).toBe(bad.symbol);
    expect(skipped[0]![1]).toMatch(/LOT_SIZE/);
  });

  it('rejects exponent and negative decimals in filters', () => {
    const raw = clone(fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.testnet2024));
    const symbol = raw.symbols[0]!;
    const price = symbol.filters.find((f) => f.filterType === 'PRICE_FILTER') as unknown as Record<string, unknown>;
    for (const value of ['1e-8', '-0.01', 'NaN', '']) {
      price.tickSize = value;
      const skipped: string[] = [];
      const info = parseExchangeInfo({ symbols: [symbol, raw.symbols[1]] }, { onSkippedSymbol: (s) => skipped.push(s) });
      expect(skipped, value).toEqual([symbol.symbol]);
      expect(info.symbols).toHaveLength(1);
    }
  });

  it('keeps an unknown status (the engine refuses it) and drops order types it cannot place', () => {
    const raw = clone(fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.testnet2024));
    const symbol = raw.symbols[0]!;
    symbol.status = 'DELISTING_SOON';
    (symbol as unknown as { orderTypes: string[] }).orderTypes = ['LIMIT', 'FANCY_NEW_TYPE', 'MARKET'];
    const info = parseExchangeInfo({ symbols: [symbol] });
    expect(info.symbols[0]!.status).toBe('DELISTING_SOON');
    expect(info.symbols[0]!.orderTypes).toEqual(['LIMIT', 'MARKET']);
  });

  it('treats an absent quoteOrderQtyMarketAllowed as absent (the engine reads it as false)', () => {
    const raw = clone(fixture<RawInfo>(EXCHANGE_INFO_FIXTURES.testnet2024));
    const symbol = raw.symbols[0]!;
    delete symbol.quoteOrderQtyMarketAllowed;
    expect(parseExchangeInfo({ symbols: [symbol] }).symbols[0]!.quoteOrderQtyMarketAllowed).toBeUndefined();
  });

  it('throws EXCHANGE_BAD_RESPONSE on a wrong outer shape or when every symbol is malformed', () => {
    for (const bad of [null, 'text', 42, {}, { symbols: 'x' }, { symbols: [], serverTime: -1 }]) {
      const thrown = catchError(() => parseExchangeInfo(bad));
      expect(thrown, JSON.stringify(bad)).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe('EXCHANGE_BAD_RESPONSE');
    }
    const thrown = catchError(() => parseExchangeInfo({ symbols: [{ symbol: 'BTCUSDT' }, { nope: true }] }));
    expect((thrown as AppError).code).toBe('EXCHANGE_BAD_RESPONSE');
    // An empty list is a valid answer (exchangeInfo?symbolStatus=… can match nothing).
    expect(parseExchangeInfo({ symbols: [] }).symbols).toEqual([]);
  });

  it('ignores rate-limit entries of a type it does not know', () => {
    const info = parseExchangeInfo({
      symbols: [],
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
        { rateLimitType: 'CONNECTIONS', interval: 'MINUTE', intervalNum: 5, limit: 300 },
      ],
    });
    expect(info.rateLimits).toHaveLength(1);
  });

  it('returns filters typed for the engine (a discriminated union on filterType)', () => {
    const info = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.legacy2022));
    const f: SymbolFilter | undefined = info.symbols[0]!.filters.find((x) => x.filterType === 'MIN_NOTIONAL');
    expect(f && f.filterType === 'MIN_NOTIONAL' && f.applyToMarket).toBe(true);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
