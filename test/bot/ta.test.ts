/**
 * /ta through the real grammY bot and the fake Bot API, on real BTCUSDT klines served over HTTP
 * by the Binance stub: the request sent, the forming candle left out, the compact reply, and the
 * refusals (unknown symbol with a did-you-mean, bad interval).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kline, KlineRow } from '../../src/binance/types.js';
import { validateTelegramHtml, messageUpdate } from '../support/fake-bot-api.js';
import { KLINE_ROWS, KLINES_ROUTE, startMarketBot, type MarketBot } from './market-bot-harness.js';

const TRADER = { id: 5151, first_name: 'Bo' };

let m: MarketBot;
beforeEach(async () => {
  m = await startMarketBot({ allowedUsers: [TRADER.id] });
});
afterEach(async () => {
  await m.close();
});

async function ask(text: string): Promise<string> {
  await m.handle(messageUpdate({ from: TRADER, text }));
  const sent = m.api.messages(TRADER.id);
  return sent[sent.length - 1]!.text!;
}

const decode = (r: KlineRow): Kline => ({ openTime: r[0], open: r[1], high: r[2], low: r[3], close: r[4], volume: r[5], closeTime: r[6], quoteVolume: r[7], trades: r[8] });

describe('/ta', () => {
  it('summarises the closed candles in one message, leaving the forming one out', async () => {
    const rows = KLINE_ROWS['15m']!;
    const forming = decode(rows[rows.length - 1]!);
    const lastClosed = decode(rows[rows.length - 2]!);
    m.clock.now = forming.openTime + 7 * 60_000; // 7 minutes into the last 15m candle

    const text = await ask('/ta btc/usdt 15m');

    const [request] = m.stub.requestsTo(KLINES_ROUTE);
    expect(request!.rawQuery).toBe('symbol=BTCUSDT&interval=15m&limit=301');
    const lines = text.split('\n');
    expect(lines[0]).toBe('<b>BTCUSDT · 15m</b> · 300 closed candles, last closed 2020-05-25 20:15 UTC');
    expect(lastClosed.closeTime + 1).toBe(Date.UTC(2020, 4, 25, 20, 15));
    expect(lastClosed.close).toBe('8939.53000000');
    expect(lines[1]).toBe('Close 8,939.53 USDT');
    expect(lines[2]).toMatch(/^RSI\(14\) <b>\d+\.\d\d<\/b> · (neutral|overbought|oversold)$/);
    expect(lines[3]).toMatch(/^MACD\(12,26,9\) [+−][\d,]+\.\d{4} · signal [+−][\d,]+\.\d{4} · hist [+−]?[\d,]+\.\d{4} · <b>(bullish|bearish) cross (\d+ candles? ago|on the last candle)<\/b>$/);
    expect(lines[4]).toMatch(/^EMA\(20\) [\d,]+\.\d\d · EMA\(50\) [\d,]+\.\d\d · trend <b>(up|down)<\/b>$/);
    expect(lines[5]).toMatch(/^ATR\(14\) [\d,]+\.\d\d · stop at close − 2×ATR: <b>[\d,]+\.\d\d<\/b>$/);
    expect(lines[6]).toMatch(/^Latest bullish fractal [\d,]+\.\d\d · 2020-05-2\d \d\d:\d\d UTC$/);
    expect(lines).toHaveLength(7);
    expect(validateTelegramHtml(text)).toBeUndefined();

    // A clock long past the last row (a replay with recorded dates, a skewed clock) still leaves it
    // out: the exchange returns the candle forming on its own clock as the last row, and the stop
    // engine never uses it either.
    m.clock.now = forming.closeTime + 3_600_000;
    const after = await ask('/ta BTCUSDT 15m');
    expect(after.split('\n')[0]).toBe('<b>BTCUSDT · 15m</b> · 300 closed candles, last closed 2020-05-25 20:15 UTC');
    expect(after.split('\n')[1]).toBe('Close 8,939.53 USDT');
  });

  it('defaults to 4h and reads intervals case-insensitively, except 1M (a month)', async () => {
    await ask('/ta BTCUSDT');
    await ask('/ta BTCUSDT 1D');
    await ask('/ta BTCUSDT 1M');
    expect(m.stub.requestsTo(KLINES_ROUTE).map((r) => r.params.get('interval'))).toEqual(['4h', '1d', '1M']);
  });

  it('refuses an unknown symbol with the nearest listed ones, and a bad interval with the usage', async () => {
    expect(await ask('/ta BTCUSTD')).toMatch(/^The exchange does not list BTCUSTD\. Did you mean BTCUSDT(, \w+)*\?$/);
    const badInterval = await ask('/ta BTCUSDT 7h');
    expect(badInterval).toContain('"7h" is not an interval. Use one of 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M.');
    expect(badInterval).toContain('Usage: /ta SYMBOL [INTERVAL]');
    expect(await ask('/ta')).toContain('Usage: /ta SYMBOL [INTERVAL]');
    expect(m.stub.requestsTo(KLINES_ROUTE)).toHaveLength(0);
  });
});
