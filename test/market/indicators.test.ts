/**
 * /ta's indicators on real BTCUSDT candles (4h 2025-09..11 in object form, 15m 2020-05 raw),
 * checked against an independent computation written out here (Wilder's RSI and ATR, EMA
 * seeded by the SMA, MACD from those EMAs) to the precision /ta displays, and on closed
 * candles only.
 */
import { describe, expect, it } from 'vitest';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import type { Kline, SymbolInfo } from '../../src/binance/types.js';
import { buildTaView, renderTa } from '../../src/bot/features/ta.js';
import { atrStopPrice, closedKlines, lastCross, summarizeIndicators, TA_CANDLES } from '../../src/market/indicators.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';
import { fixtureCandles } from '../support/klines.js';

const series4h = fixtureCandles('objects4h');
const series15m = fixtureCandles('raw15m');
const btcusdt: SymbolInfo = parseExchangeInfo(fixture(EXCHANGE_INFO_FIXTURES.mainnet2023SymbolsOnly)).symbols.find((s) => s.symbol === 'BTCUSDT')!;
const AFTER_ALL = Date.UTC(2030, 0, 1);

// ---- the independent computation ----

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** EMA seeded with the SMA of the first `period` values; one value per input from index period-1. */
function emaSeries(values: number[], period: number): number[] {
  const k = 2 / (period + 1);
  const out = [mean(values.slice(0, period))];
  for (let i = period; i < values.length; i++) out.push(values[i]! * k + out[out.length - 1]! * (1 - k));
  return out;
}

/** Wilder's RSI: averages of the first `period` gains and losses, then (prev·(n−1) + x)/n. */
function wilderRsi(closes: number[], period: number): number {
  const gains: number[] = [];
  const losses: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    const change = closes[i]! - closes[i - 1]!;
    gains.push(Math.max(change, 0));
    losses.push(Math.max(-change, 0));
  }
  let avgGain = mean(gains.slice(0, period));
  let avgLoss = mean(losses.slice(0, period));
  for (let i = period; i < gains.length; i++) {
    avgGain = (avgGain * (period - 1) + gains[i]!) / period;
    avgLoss = (avgLoss * (period - 1) + losses[i]!) / period;
  }
  return avgLoss === 0 ? 100 : 100 - 100 / (1 + avgGain / avgLoss);
}

/** Wilder's ATR: true ranges from the second candle, first ATR their mean, then smoothed. */
function wilderAtr(candles: Kline[], period: number): number {
  const tr: number[] = [];
  for (let i = 1; i < candles.length; i++) {
    const h = Number(candles[i]!.high);
    const l = Number(candles[i]!.low);
    const prevClose = Number(candles[i - 1]!.close);
    tr.push(Math.max(h - l, Math.abs(h - prevClose), Math.abs(l - prevClose)));
  }
  let atr = mean(tr.slice(0, period));
  for (let i = period; i < tr.length; i++) atr = (atr * (period - 1) + tr[i]!) / period;
  return atr;
}

function macdDirect(closes: number[]) {
  const fast = emaSeries(closes, 12).slice(26 - 12); // align both to the index of the first slow value
  const slow = emaSeries(closes, 26);
  const macd = slow.map((s, i) => fast[i]! - s);
  const signal = emaSeries(macd, 9);
  const hist = signal.map((s, i) => macd[i + 8]! - s);
  let crossAgo: number | undefined;
  let direction: string | undefined;
  for (let i = hist.length - 1; i > 0; i--) {
    if (Math.sign(hist[i]!) !== Math.sign(hist[i - 1]!) && hist[i] !== 0 && hist[i - 1] !== 0) {
      crossAgo = hist.length - 1 - i;
      direction = hist[i]! > 0 ? 'bullish' : 'bearish';
      break;
    }
  }
  return { macd: macd[macd.length - 1]!, signal: signal[signal.length - 1]!, hist: hist[hist.length - 1]!, crossAgo, direction };
}

/** "91,517.03": written with Intl, not with the code under test. */
const shown = (value: number, decimals: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: true }).format(value);

function independent(candles: Kline[]) {
  const closes = candles.map((k) => Number(k.close));
  const atr = wilderAtr(candles, 14);
  const lastClose = closes[closes.length - 1]!;
  return {
    rsi: wilderRsi(closes, 14),
    ema20: emaSeries(closes, 20).at(-1)!,
    ema50: emaSeries(closes, 50).at(-1)!,
    atr,
    // 2·ATR below the close, down to the 0.01 tick: cents as integers avoid float floor trouble.
    stop: (Math.floor(Math.round(lastClose * 100) - 2 * atr * 100) / 100).toFixed(2),
    macd: macdDirect(closes),
  };
}

describe('summarizeIndicators against an independent computation', () => {
  for (const [name, series] of [
    ['4h 2025-09..11', series4h],
    ['15m 2020-05', series15m],
  ] as const) {
    it(`agrees to the displayed precision on BTCUSDT ${name}`, () => {
      const candles = series.slice(-(TA_CANDLES + 1));
      const summary = summarizeIndicators(candles, { now: AFTER_ALL, tickSize: '0.01' });
      const ref = independent(candles);
      expect(summary.candles).toBe(candles.length);

      expect(summary.rsi!.toFixed(2)).toBe(ref.rsi.toFixed(2));
      expect(shown(summary.emaFast!, 2)).toBe(shown(ref.ema20, 2));
      expect(shown(summary.emaSlow!, 2)).toBe(shown(ref.ema50, 2));
      expect(summary.trend).toBe(ref.ema20 > ref.ema50 ? 'up' : 'down');
      expect(shown(summary.atr!, 2)).toBe(shown(ref.atr, 2));
      expect(summary.atrStop).toBe(ref.stop);
      expect(shown(summary.macd!.macd, 4)).toBe(shown(ref.macd.macd, 4));
      expect(shown(summary.macd!.signal, 4)).toBe(shown(ref.macd.signal, 4));
      expect(shown(summary.macd!.histogram, 4)).toBe(shown(ref.macd.hist, 4));
      expect(summary.macd!.cross).toEqual(ref.macd.direction && { direction: ref.macd.direction, candlesAgo: ref.macd.crossAgo });

      // The message shows exactly these numbers.
      const html = renderTa(buildTaView(btcusdt, '4h', candles, AFTER_ALL));
      expect(html).toContain(`RSI(14) <b>${ref.rsi.toFixed(2)}</b>`);
      expect(html).toContain(`EMA(20) ${shown(ref.ema20, 2)} · EMA(50) ${shown(ref.ema50, 2)}`);
      expect(html).toContain(`ATR(14) ${shown(ref.atr, 2)} · stop at close − 2×ATR: <b>${shown(Number(ref.stop), 2)}</b>`);
      expect(html).toContain(`signal ${ref.macd.signal < 0 ? '−' : '+'}${shown(Math.abs(ref.macd.signal), 4)}`);
    });
  }

  it('uses closed candles only: the forming last candle changes nothing', () => {
    const candles = series4h.slice(-(TA_CANDLES + 1));
    const forming = candles[candles.length - 1]!;
    const closedOnly = summarizeIndicators(candles.slice(0, -1), { now: AFTER_ALL, tickSize: '0.01' });

    // Mid-candle, and at its closeTime (the candle's last millisecond: still open).
    for (const now of [forming.openTime + 60 * 60_000, forming.closeTime]) {
      const crashed = [...candles.slice(0, -1), { ...forming, low: '1.00', close: '1.00' }];
      const summary = summarizeIndicators(crashed, { now, tickSize: '0.01' });
      expect(summary).toEqual(closedOnly);
      expect(summary.last!.closeTime).toBe(candles[candles.length - 2]!.closeTime);
      expect(closedKlines(crashed, now)).toHaveLength(candles.length - 1);
    }
    // One millisecond later it has closed and counts.
    const closed = summarizeIndicators(candles, { now: forming.closeTime + 1, tickSize: '0.01' });
    expect(closed.candles).toBe(candles.length);
    expect(closed.last!.close).toBe(forming.close);
    expect(closed.rsi).not.toBe(closedOnly.rsi);
  });

  it('says nothing it cannot compute on a short history', () => {
    const few = series4h.slice(0, 30);
    const summary = summarizeIndicators(few, { now: AFTER_ALL, tickSize: '0.01' });
    expect(summary.rsi).toBeDefined();
    expect(summary.atr).toBeDefined();
    expect(summary.emaFast).toBeDefined();
    expect(summary.emaSlow).toBeUndefined();
    expect(summary.trend).toBeUndefined();
    expect(summary.macd).toBeUndefined(); // needs 26 + 9 − 1 closed candles
    expect(renderTa(buildTaView(btcusdt, '4h', few, AFTER_ALL))).toContain('MACD(12,26,9) n/a');
    expect(summarizeIndicators([], { now: AFTER_ALL, tickSize: '0.01' }).last).toBeUndefined();
  });
});

describe('atrStopPrice', () => {
  it('rounds down to the tick, exactly, and gives nothing at or below zero', () => {
    expect(atrStopPrice('91517.03', 812.345, '0.01')).toBe('89892.34'); // 91517.03 − 1624.69 = 89892.34
    expect(atrStopPrice('0.01654100', 0.0000123, '0.00000100')).toBe('0.016516'); // 0.016541 − 0.0000246 = 0.0165164
    expect(atrStopPrice('10', 5, '0.01')).toBeUndefined();
    expect(atrStopPrice('10', 6, '0.01')).toBeUndefined();
    expect(atrStopPrice('10.123456789', 0.5, '0')).toBe('9.12345678'); // PRICE_FILTER disabled: 8 decimals
  });
});

describe('lastCross', () => {
  it('finds the newest sign change and counts candles back from the last', () => {
    expect(lastCross([-3, -1, 2, 4, 5])).toEqual({ direction: 'bullish', candlesAgo: 2 });
    expect(lastCross([1, 2, -1])).toEqual({ direction: 'bearish', candlesAgo: 0 });
    expect(lastCross([1, 2, 3])).toBeUndefined();
    // A touch of zero is not a cross; the sides around it decide.
    expect(lastCross([1, 0, 2])).toBeUndefined();
    expect(lastCross([-1, 0, 0, 2, 3])).toEqual({ direction: 'bullish', candlesAgo: 1 });
  });
});
