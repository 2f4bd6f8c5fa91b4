/**
 * /fractals through the real grammY bot and the fake Bot API (multipart sendPhoto), on real
 * BTCUSDT candles served over HTTP by the Binance stub: one klines request, the forming candle
 * left out, "sending a photo…" before the photo, a real PNG and an HTML caption naming the
 * latest fractals and the active stop.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { formatAmount, formatUtc } from '../../src/format.js';
import { findFractals } from '../../src/market/fractals.js';
import { validateTelegramHtml, messageUpdate, type RecordedCall } from '../support/fake-bot-api.js';
import { fixture, KLINE_FIXTURES } from '../support/fixtures.js';
import type { KlineObject } from '../support/klines.js';
import { decodePng, PNG_SIGNATURE } from '../market/png.js';
import { KLINE_ROWS, KLINES_ROUTE, startMarketBot, type MarketBot } from './market-bot-harness.js';

const TRADER = { id: 6262, first_name: 'Fi' };

/** The 4h capture (object form) as the raw rows GET /api/v3/klines sends. */
const ROWS_4H: KlineRow[] = fixture<KlineObject[]>(KLINE_FIXTURES.objects4h).map((o) => [
  o.openTime,
  o.open,
  o.high,
  o.low,
  o.close,
  o.volume,
  o.closeTime,
  o.quoteAssetVolume,
  o.numberOfTrades,
  '0',
  '0',
  '0',
]);

let m: MarketBot;
beforeEach(async () => {
  m = await startMarketBot({ allowedUsers: [TRADER.id] });
  m.stub.route(KLINES_ROUTE, (request) => {
    const interval = request.params.get('interval') ?? '';
    const rows = request.params.get('symbol') === 'BTCUSDT' ? (interval === '4h' ? ROWS_4H : KLINE_ROWS[interval]) : undefined;
    if (!rows) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    return { body: rows.slice(-Number(request.params.get('limit') ?? 500)) };
  });
});
afterEach(async () => {
  await m.close();
});

async function ask(text: string): Promise<void> {
  await m.handle(messageUpdate({ from: TRADER, text }));
}

/** grammY uploads a file as a multipart part named by `photo: "attach://<name>"`. */
function photoBytes(call: RecordedCall): Buffer {
  const ref = call.payload.photo;
  const part = typeof ref === 'string' && ref.startsWith('attach://') ? call.payload[ref.slice('attach://'.length)] : ref;
  return (part as { file: true; bytes: Buffer }).bytes;
}

describe('/fractals', () => {
  it('sends the chart as a photo after an upload_photo action, with the latest fractals in the caption', async () => {
    const rows = ROWS_4H;
    const forming = rows[rows.length - 1]!;
    m.clock.now = forming[0] + 60 * 60_000; // one hour into the last 4h candle

    await ask('/fractals btcusdt');

    const [request, ...more] = m.stub.requestsTo(KLINES_ROUTE);
    expect(more).toHaveLength(0);
    expect(request!.rawQuery).toBe('symbol=BTCUSDT&interval=4h&limit=103');

    const calls = m.api.calls().filter((c) => c.method === 'sendChatAction' || c.method === 'sendPhoto' || c.method === 'sendMessage');
    expect(calls.map((c) => c.method)).toEqual(['sendChatAction', 'sendPhoto']);
    expect(calls[0]!.payload).toMatchObject({ chat_id: TRADER.id, action: 'upload_photo' });

    const photo = calls[1]!;
    expect(photo.status).toBe('ok');
    const png = photoBytes(photo);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1000, 560]);
    // Arrived whole: every IDAT byte inflates.
    expect(decodePng(png).height).toBe(560);
    expect(photo.payload.parse_mode).toBe('HTML');

    // The caption, against the fractals of the 102 closed candles fetched (the forming one left out).
    const closed = rows.slice(-103, -1).map((r) => ({ openTime: r[0], closeTime: r[6], high: r[2], low: r[3] }));
    const drawnFrom = closed[2]!.openTime;
    const expected = findFractals(closed, { now: m.clock.now });
    const bullish = expected.bullish.filter((f) => f.openTime >= drawnFrom).at(-1)!;
    const bearish = expected.bearish.filter((f) => f.openTime >= drawnFrom).at(-1)!;
    const caption = String(photo.payload.caption);
    const lines = caption.split('\n');
    expect(lines[0]).toBe('<b>BTCUSDT · 4h</b> · 100 closed candles, last closed 2025-11-28 04:00 UTC');
    expect(lines[1]).toBe(`▲ Latest bullish fractal: <b>${formatAmount(bullish.price, 2)}</b> · candle ${formatUtc(bullish.openTime)}`);
    expect(lines[2]).toBe(`▼ Latest bearish fractal: <b>${formatAmount(bearish.price, 2)}</b> · candle ${formatUtc(bearish.openTime)}`);
    expect(lines).toHaveLength(3);
    expect(caption.length).toBeLessThanOrEqual(1024);
    expect(validateTelegramHtml(caption)).toBeUndefined();
    // Nothing else was said: the photo is the answer.
    expect(m.api.messages(TRADER.id).filter((msg) => msg.photo)).toHaveLength(1);
  });

  it('uses the interval given and the stop the stop provider reports', async () => {
    await m.close();
    const lookups: string[] = [];
    m = await startMarketBot({
      allowedUsers: [TRADER.id],
      stops: {
        activeStop: (symbol) => {
          lookups.push(symbol);
          return Promise.resolve({ stopPrice: '8650.5', entryPrice: '8500' });
        },
      },
    });
    const rows = KLINE_ROWS['15m']!;
    // A clock past every row: the last row is still the one the exchange was forming, so it is left out (the stop engine's rule).
    m.clock.now = rows[rows.length - 1]![6] + 1;

    await ask('/fractals BTC/USDT 15m');

    expect(m.stub.requestsTo(KLINES_ROUTE)[0]!.params.get('interval')).toBe('15m');
    expect(lookups).toEqual(['BTCUSDT']);
    const [photo] = m.api.calls('sendPhoto');
    const caption = String(photo!.payload.caption);
    expect(caption.split('\n')[0]).toBe('<b>BTCUSDT · 15m</b> · 100 closed candles, last closed 2020-05-25 20:15 UTC');
    expect(caption).toContain('Stop <b>8,650.50</b> · entry 8,500.00');
  });

  it('in a group (TELEGRAM_GROUPS=off) draws the chart without the trader\'s stop and entry', async () => {
    await m.close();
    const lookups: string[] = [];
    m = await startMarketBot({
      allowedUsers: [TRADER.id],
      stops: {
        activeStop: (symbol) => {
          lookups.push(symbol);
          return Promise.resolve({ stopPrice: '8650.5', entryPrice: '8500' });
        },
      },
    });
    const rows = KLINE_ROWS['15m']!;
    m.clock.now = rows[rows.length - 1]![6] + 1;

    await m.handle(messageUpdate({ from: TRADER, chatId: -1009876543210, chatType: 'supergroup', text: '/fractals BTCUSDT 15m' }));

    expect(lookups).toEqual([]);
    const [photo] = m.api.calls('sendPhoto');
    expect(photo!.payload.chat_id).toBe(-1009876543210);
    const caption = String(photo!.payload.caption);
    expect(caption).not.toContain('8,650.50');
    expect(caption).not.toContain('8,500.00');
    expect(caption.split('\n').at(-1)).toBe('Your stop and entry are drawn in a private chat with the bot.');
  });

  it('still sends the chart when the chat action fails, and says when the stop could not be read', async () => {
    await m.close();
    m = await startMarketBot({ allowedUsers: [TRADER.id], stops: { activeStop: () => Promise.reject(new Error('redis down')) } });
    m.api.injectFault({ method: 'sendChatAction', kind: 'server-error' });

    await ask('/fractals BTCUSDT 15m');

    expect(m.api.calls('sendChatAction')[0]!.status).toBe(502);
    const [photo] = m.api.calls('sendPhoto');
    expect(photo!.status).toBe('ok');
    expect(String(photo!.payload.caption)).toContain('Stop: could not be read just now.');
  });

  it('answers bad arguments with the usage and fetches nothing', async () => {
    await ask('/fractals');
    await ask('/fractals BTCUSDT 7h');
    await ask('/fractals BTCUSTD');
    const texts = m.api.messages(TRADER.id).map((msg) => msg.text ?? '');
    expect(texts[0]).toContain('Usage: /fractals SYMBOL [INTERVAL]');
    expect(texts[1]).toContain('"7h" is not an interval.');
    expect(texts[2]).toMatch(/^The exchange does not list BTCUSTD\. Did you mean BTCUSDT/);
    expect(m.stub.requestsTo(KLINES_ROUTE)).toHaveLength(0);
    expect(m.api.calls('sendPhoto')).toHaveLength(0);
  });

  it('is listed in the command table for /help and the command menu', async () => {
    await ask('/help fractals');
    const [help] = m.api.messages(TRADER.id);
    expect(help!.text).toContain('/fractals SYMBOL [INTERVAL]');
  });
});
