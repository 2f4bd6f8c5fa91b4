/**
 * The /top ranking on the real 2024-03-10 all-symbols ticker (2,519 entries, 1,233 dead) checked
 * against real exchangeInfo captures: the 2023-10 mainnet list for order and limits, the 2022-11
 * legacy list (BREAK symbols, LEVERAGED tokens still TRADING) and the 2024-09 list (JUP) for the
 * exclusion rules. Each rule is shown on a symbol of the data, and the order is checked against
 * an independent oracle that sorts with exact bigint decimals.
 */
import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import type { SymbolInfo, Ticker24h } from '../../src/binance/types.js';
import { compare, gte } from '../../src/decimal.js';
import {
  buildRankingIndex,
  isLeveragedToken,
  minQuoteVolumeIn,
  rankingIndexOf,
  rankTickers,
  type RankingIndex,
  type RankingKind,
} from '../../src/market/ranking.js';
import { EXCHANGE_INFO_FIXTURES, fixture, TICKER_FIXTURE } from '../support/fixtures.js';

const tickers = fixture<Ticker24h[]>(TICKER_FIXTURE);
const symbolsOf = (path: string): SymbolInfo[] => parseExchangeInfo(fixture(path)).symbols;
const mainnet2023 = symbolsOf(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly);
const legacy2022 = symbolsOf(EXCHANGE_INFO_FIXTURES.legacy2022);
const testnet2024 = symbolsOf(EXCHANGE_INFO_FIXTURES.testnet2024);
const mainnetIndex = buildRankingIndex(mainnet2023);
const legacyIndex = buildRankingIndex(legacy2022);
const testnetIndex = buildRankingIndex(testnet2024);

const tickerOf = (symbol: string): Ticker24h => {
  const t = tickers.find((x) => x.symbol === symbol);
  if (!t) throw new Error(`${symbol} not in the ticker fixture`);
  return t;
};
const symbolsIn = (rows: { symbol: string }[]) => rows.map((r) => r.symbol);
/** Whether one real ticker survives the exclusions (they are per ticker, so ranking it alone shows it). */
const kept = (index: RankingIndex, symbol: string, quote = 'USDT', minQuoteVolume = '0'): boolean =>
  rankTickers([tickerOf(symbol)], index, { by: 'volume', limit: 1, quote, minQuoteVolume }).length === 1;

/** Independent oracle: the rules written out again, exact decimal comparisons only. */
function oracle(list: readonly SymbolInfo[], by: RankingKind, quote: string, minQuoteVolume: string, keepLeveraged = false): string[] {
  const info = new Map(list.map((s) => [s.symbol, s]));
  const bases = new Set(list.map((x) => x.baseAsset));
  const eligible = tickers.filter((t) => {
    const s = info.get(t.symbol);
    return (
      s !== undefined &&
      s.status === 'TRADING' &&
      t.count > 0 &&
      s.quoteAsset === quote &&
      (keepLeveraged || !isLeveragedToken(s, bases)) &&
      gte(t.quoteVolume, minQuoteVolume)
    );
  });
  const field = (t: Ticker24h) => (by === 'volume' ? t.quoteVolume : t.priceChangePercent);
  return eligible
    .sort((a, b) => {
      const c = compare(field(a), field(b));
      if (c !== 0) return by === 'losers' ? c : -c;
      return a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
    })
    .map((t) => t.symbol);
}

describe('rankTickers on the 2024-03-10 ticker', () => {
  it('ranks the real top gainers, losers and volume in USDT like the exact oracle', () => {
    for (const by of ['gainers', 'losers', 'volume'] as const) {
      const rows = rankTickers(tickers, mainnetIndex, { by, limit: 50, quote: 'USDT', minQuoteVolume: '100000' });
      expect(symbolsIn(rows)).toEqual(oracle(mainnet2023, by, 'USDT', '100000').slice(0, 50));
      expect(rows.map((r) => r.rank)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    }
    // What a trader saw that day: IQ led with +68.339 %, BTC led volume.
    const top = rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: 3, minQuoteVolume: '100000' });
    expect(top).toEqual([
      { rank: 1, symbol: 'IQUSDT', changePercent: '68.339', lastPrice: '0.01654100', quoteVolume: '89419719.78174600' },
      { rank: 2, symbol: 'CTXCUSDT', changePercent: '36.241', lastPrice: '0.86540000', quoteVolume: '98633165.67560000' },
      { rank: 3, symbol: 'YGGUSDT', changePercent: '31.594', lastPrice: '0.89010000', quoteVolume: '183192451.38031000' },
    ]);
    expect(rankTickers(tickers, mainnetIndex, { by: 'volume', limit: 1 })[0]!.symbol).toBe('BTCUSDT');
  });

  it('losers are the most negative changes first', () => {
    const losers = rankTickers(tickers, mainnetIndex, { by: 'losers', limit: 50, minQuoteVolume: '100000' });
    for (let i = 1; i < losers.length; i++) expect(compare(losers[i - 1]!.changePercent, losers[i]!.changePercent)).toBeLessThanOrEqual(0);
    expect(losers[0]!.changePercent.startsWith('-')).toBe(true);
  });

  it('leaves out a symbol exchangeInfo lists but not as TRADING (BTCTUSD was in BREAK in 2022-11)', () => {
    expect(legacy2022.find((s) => s.symbol === 'BTCTUSD')?.status).toBe('BREAK');
    expect(tickerOf('BTCTUSD').count).toBeGreaterThan(0);
    expect(kept(legacyIndex, 'BTCTUSD', 'TUSD')).toBe(false);
    expect(symbolsIn(rankTickers(tickers, legacyIndex, { by: 'volume', limit: 50, quote: 'TUSD' }))).not.toContain('BTCTUSD');
    // The same ticker under a list where it trades is ranked: the status is what excluded it.
    expect(testnet2024.find((s) => s.symbol === 'BTCTUSD')?.status).toBe('TRADING');
    expect(kept(testnetIndex, 'BTCTUSD', 'TUSD')).toBe(true);
  });

  it('leaves out a symbol exchangeInfo does not list at all (TIAUSDT, listed after the 2023-10 capture)', () => {
    expect(mainnet2023.some((s) => s.symbol === 'TIAUSDT')).toBe(false);
    expect(tickerOf('TIAUSDT').count).toBeGreaterThan(0);
    expect(kept(mainnetIndex, 'TIAUSDT')).toBe(false);
    expect(kept(testnetIndex, 'TIAUSDT')).toBe(true);
  });

  it('leaves out dead tickers (count 0) even when exchangeInfo says TRADING (TOMOUSDT)', () => {
    expect(mainnet2023.find((s) => s.symbol === 'TOMOUSDT')?.status).toBe('TRADING');
    expect(tickerOf('TOMOUSDT')).toMatchObject({ count: 0, firstId: -1, priceChangePercent: '0.000' });
    expect(kept(mainnetIndex, 'TOMOUSDT')).toBe(false);
    // Dead tickers would otherwise sit in the middle of every ranking at 0.000 %.
    const losers = rankTickers(tickers, mainnetIndex, { by: 'losers', limit: 50 });
    const gainers = rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: 50 });
    expect([...losers, ...gainers].every((r) => tickerOf(r.symbol).count > 0)).toBe(true);
    expect(oracle(mainnet2023, 'losers', 'USDT', '0')).not.toContain('TOMOUSDT');
  });

  it('leaves out leveraged tokens still TRADING in 2022-11 (BTCUPUSDT, ETHDOWNUSDT) and keeps JUP and SUPER', () => {
    const btcUp = legacy2022.find((s) => s.symbol === 'BTCUPUSDT')!;
    expect(btcUp.status).toBe('TRADING');
    expect(tickerOf('BTCUPUSDT').count).toBe(15390);
    const legacyBases = new Set(legacy2022.map((s) => s.baseAsset));
    expect(isLeveragedToken(btcUp, legacyBases)).toBe(true);
    const ranked = symbolsIn(rankTickers(tickers, legacyIndex, { by: 'gainers', limit: 50, minQuoteVolume: '100000' }));
    expect(ranked).toEqual(oracle(legacy2022, 'gainers', 'USDT', '100000').slice(0, 50));
    // Every other rule lets them through: only the leveraged rule keeps them out.
    const withLeveraged = oracle(legacy2022, 'gainers', 'USDT', '100000', true);
    const everyRanking = (['gainers', 'losers', 'volume'] as const).flatMap((by) =>
      symbolsIn(rankTickers(tickers, legacyIndex, { by, limit: 50, minQuoteVolume: '0' })),
    );
    for (const leveraged of ['BTCUPUSDT', 'BTCDOWNUSDT', 'ETHUPUSDT', 'ETHDOWNUSDT', 'BNBUPUSDT', 'BNBDOWNUSDT']) {
      expect(withLeveraged).toContain(leveraged);
      expect(kept(legacyIndex, leveraged)).toBe(false);
      expect(everyRanking).not.toContain(leveraged);
    }

    // By name alone (no LEVERAGED permission, as in 2024+ responses): the underlying must be a listed asset.
    const withoutPermission = { ...btcUp, permissions: ['SPOT'] };
    expect(isLeveragedToken(withoutPermission, legacyBases)).toBe(true);
    const bull = legacy2022.find((s) => s.baseAsset === 'BULL')!;
    expect(isLeveragedToken({ ...bull, permissions: [] }, legacyBases)).toBe(true);
    const xrpBear = legacy2022.find((s) => s.baseAsset === 'XRPBEAR')!;
    expect(isLeveragedToken({ ...xrpBear, permissions: [] }, legacyBases)).toBe(true);

    // JUP ends in UP but J is no asset; SUPER contains UP. Both are real and ranked.
    const testnetBases = new Set(testnet2024.map((s) => s.baseAsset));
    const jup = testnet2024.find((s) => s.symbol === 'JUPUSDT')!;
    expect(isLeveragedToken(jup, testnetBases)).toBe(false);
    expect(isLeveragedToken(testnet2024.find((s) => s.symbol === 'SUPERUSDT')!, testnetBases)).toBe(false);
    expect(kept(testnetIndex, 'JUPUSDT')).toBe(true);
    expect(kept(testnetIndex, 'SUPERUSDT')).toBe(true);
    expect(kept(mainnetIndex, 'SUPERUSDT')).toBe(true);
  });

  it('applies the minimum quote volume exactly, boundary included (WNXMUSDT: 570956.959 USDT)', () => {
    expect(tickerOf('WNXMUSDT')).toMatchObject({ quoteVolume: '570956.95900000', priceChangePercent: '-1.429' });
    expect(kept(mainnetIndex, 'WNXMUSDT', 'USDT', '570956.959')).toBe(true);
    expect(kept(mainnetIndex, 'WNXMUSDT', 'USDT', '570956.95900000')).toBe(true);
    // One unit in the 12th decimal more: the same double, so the exact comparison must decide.
    expect(Number('570956.959000000001')).toBe(Number('570956.959'));
    expect(kept(mainnetIndex, 'WNXMUSDT', 'USDT', '570956.959000000001')).toBe(false);
    expect(kept(mainnetIndex, 'WNXMUSDT', 'USDT', '600000')).toBe(false);
    expect(kept(mainnetIndex, 'USDPUSDT', 'USDT', '600000')).toBe(true); // 602719.1789
    for (const by of ['gainers', 'losers', 'volume'] as const) {
      const rows = symbolsIn(rankTickers(tickers, mainnetIndex, { by, limit: 50, minQuoteVolume: '50000000' }));
      expect(rows).toEqual(oracle(mainnet2023, by, 'USDT', '50000000').slice(0, 50));
      expect(rows.every((symbol) => gte(tickerOf(symbol).quoteVolume, '50000000'))).toBe(true);
    }
  });

  it('orders ties by symbol, whatever the order of the exchange array (DOCKUSDT and PHBUSDT at +0.904 %)', () => {
    expect(tickerOf('DOCKUSDT').priceChangePercent).toBe('0.904');
    expect(tickerOf('PHBUSDT').priceChangePercent).toBe('0.904');
    // In the full ranking of eligible USDT pairs, DOCK comes right before PHB.
    const expected = oracle(mainnet2023, 'gainers', 'USDT', '0');
    const dock = expected.indexOf('DOCKUSDT');
    expect(expected[dock + 1]).toBe('PHBUSDT');

    const pair = [tickerOf('PHBUSDT'), tickerOf('DOCKUSDT')];
    for (const by of ['gainers', 'losers'] as const) {
      expect(symbolsIn(rankTickers(pair, mainnetIndex, { by, limit: 2 }))).toEqual(['DOCKUSDT', 'PHBUSDT']);
      expect(symbolsIn(rankTickers([...pair].reverse(), mainnetIndex, { by, limit: 2 }))).toEqual(['DOCKUSDT', 'PHBUSDT']);
    }

    // The whole payload reversed and rotated ranks the same.
    const reversed = [...tickers].reverse();
    const rotated = [...tickers.slice(1000), ...tickers.slice(0, 1000)];
    for (const by of ['gainers', 'losers', 'volume'] as const) {
      const base = rankTickers(tickers, mainnetIndex, { by, limit: 50 });
      expect(rankTickers(reversed, mainnetIndex, { by, limit: 50 })).toEqual(base);
      expect(rankTickers(rotated, mainnetIndex, { by, limit: 50 })).toEqual(base);
    }
  });

  it('orders volumes that collapse to one double by their exact decimals', () => {
    // Derived from the real BTCUSDT ticker: two volumes 1e-8 apart at 19 significant digits.
    const btc = tickerOf('BTCUSDT');
    const eth = { ...tickerOf('ETHUSDT'), quoteVolume: '12345678901.00000002' };
    const btcClose = { ...btc, quoteVolume: '12345678901.00000001' };
    expect(Number(eth.quoteVolume)).toBe(Number(btcClose.quoteVolume));
    expect(symbolsIn(rankTickers([btcClose, eth], mainnetIndex, { by: 'volume', limit: 2 }))).toEqual(['ETHUSDT', 'BTCUSDT']);
  });

  it('takes N from 1 to 50 and refuses anything else', () => {
    expect(rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: 1 })).toHaveLength(1);
    expect(rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: 10 })).toHaveLength(10);
    expect(rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: 50 })).toHaveLength(50);
    for (const bad of [0, 51, 2.5, -1, Number.NaN]) {
      expect(() => rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: bad })).toThrow(RangeError);
    }
    // Fewer eligible pairs than N: all of them.
    expect(rankTickers(tickers, mainnetIndex, { by: 'volume', limit: 50, quote: 'USDC' }).map((r) => r.symbol)).toEqual(
      oracle(mainnet2023, 'volume', 'USDC', '0'),
    );
  });

  it('ranks within the quote asked for (BTC), with the USDT minimum converted at BTCUSDT 69010.01', () => {
    const minBtc = minQuoteVolumeIn('BTC', '100000', tickers);
    expect(minBtc).toBe('1.44906514'); // 100000 / 69010.01 = 1.449065142868…, rounded down
    const rows = rankTickers(tickers, mainnetIndex, { by: 'gainers', limit: 50, quote: 'BTC', minQuoteVolume: minBtc });
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => mainnet2023.find((s) => s.symbol === r.symbol)?.quoteAsset === 'BTC')).toBe(true);
    expect(symbolsIn(rows)).toEqual(oracle(mainnet2023, 'gainers', 'BTC', minBtc!).slice(0, 50));
    expect(tickerOf('FARMBTC').quoteVolume).toBe('0.03448309');
    expect(kept(mainnetIndex, 'FARMBTC', 'BTC', minBtc)).toBe(false);
    expect(kept(mainnetIndex, 'FARMBTC', 'BTC', '0')).toBe(true);
    expect(kept(mainnetIndex, 'FARMBTC', 'USDT', '0')).toBe(false);
    expect(kept(mainnetIndex, 'BTCUSDT', 'BTC', '0')).toBe(false);

    // TRY is quoted as USDTTRY: 100000 USDT = 3,279,000 TRY. An unknown quote has no conversion.
    expect(minQuoteVolumeIn('TRY', '100000', tickers)).toBe('3279000');
    expect(minQuoteVolumeIn('USDT', '100000', tickers)).toBe('100000');
    expect(minQuoteVolumeIn('XYZ', '100000', tickers)).toBeUndefined();
    expect(mainnetIndex.quotes.has('TRY')).toBe(true);
    expect(mainnetIndex.quotes.has('XYZ')).toBe(false);
  });

  it('builds the exchangeInfo index once per symbol list', () => {
    expect(rankingIndexOf(mainnet2023)).toBe(rankingIndexOf(mainnet2023));
    expect(rankingIndexOf([...mainnet2023])).not.toBe(rankingIndexOf(mainnet2023));
  });
});
