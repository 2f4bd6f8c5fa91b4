/**
 * /backtest end to end (DESIGN.md §11): the real bot on the fake Bot API, the `backtests` queue
 * and worker, paged klines from the paper exchange replaying the real BTCUSDT 1d 2017–2020
 * candles (history only: the replay does not advance), the history cache in real Redis.
 *
 * `/backtest BTCUSDT macd 1d 365` answers with a progress card that becomes the numbers, and a
 * PNG chart; the numbers are the backtester's on the same candles; a second run gives the same
 * text and the same picture, reading the finished pages from the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { runBacktest } from '../../src/strategies/backtest.js';
import type { BacktestSummary } from '../../src/strategies/backtest-worker.js';
import { STRATEGIES } from '../../src/strategies/strategies.js';
import type { RecordedCall } from '../support/fake-bot-api.js';
import { fixtureCandles, fixtureRows } from '../support/klines.js';
import { decodePng, PNG_SIGNATURE } from '../market/png.js';
import { eventually } from '../trading/eventually.js';
import { startStopHarness, TRADER_USER, type StopHarness } from '../trading/stop-harness.js';

const rows = fixtureRows('raw1d');
let h: StopHarness<ReplayFeed>;

beforeAll(async () => {
  // Every recorded candle is history; the last one is the candle open now.
  const feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 1, logger: createLogger({ level: 'silent' }), startIndex: rows.length - 1, restampTo: Date.now(), autoAdvance: false });
  h = await startStopHarness<ReplayFeed>({ feed, bot: true, strategies: true, sim: { balances: { USDT: '10000' } } });
});
afterAll(() => h?.close());

function photoBytes(call: RecordedCall): Buffer {
  const ref = call.payload.photo;
  const part = typeof ref === 'string' && ref.startsWith('attach://') ? call.payload[ref.slice('attach://'.length)] : ref;
  return (part as { bytes: Buffer }).bytes;
}

async function backtest(text: string): Promise<{ card: string; png: Buffer; summary: BacktestSummary }> {
  const photosBefore = h.telegram!.calls('sendPhoto').length;
  const jobsBefore = (await h.backtests!.queue.getJobs(['completed'])).length;
  await h.send(text);
  const card = h.messages().at(-1)!;
  expect(card.text).toMatch(/Backtest · BTCUSDT · macd · 1d · 365 days/);
  const done = await eventually(() => {
    const now = h.telegram!.message(TRADER_USER.id, card.message_id);
    return now?.text?.includes('Total return') ? now.text : undefined;
  }, 'the backtest card to show the result', 60_000);
  const photo = await eventually(() => h.telegram!.calls('sendPhoto')[photosBefore], 'the chart');
  expect(photo.status).toBe('ok');
  const jobs = await eventually(async () => {
    const completed = await h.backtests!.queue.getJobs(['completed']);
    return completed.length > jobsBefore ? completed : undefined;
  }, 'the backtest job to complete');
  const job = jobs.sort((a, b) => b.timestamp - a.timestamp)[0]!;
  return { card: done, png: photoBytes(photo), summary: job.returnvalue as BacktestSummary };
}

describe('/backtest on the paper exchange', () => {
  it('answers /backtest BTCUSDT macd 1d 365 with the numbers and a chart, identically on a second run', async () => {
    const first = await backtest('/backtest BTCUSDT macd 1d 365');
    expect(first.card).toMatch(/Trades: <b>\d+<\/b>/);
    expect(first.card).toMatch(/Max drawdown: [\d.]+% · time in market: [\d.]+%/);
    expect(first.card).toMatch(/buy and hold: [+−][\d.,]+%/);
    expect(first.png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(decodePng(first.png).width).toBe(1000);

    // The backtester on the same candles: the replay serves every recorded candle before the one
    // it starts at (the last), all closed; the last 365 of them after 300 of warm-up.
    const candles = fixtureCandles('raw1d').slice(0, -1).slice(-(365 + 300));
    const expected = runBacktest({ strategy: STRATEGIES.macd, candles, spanStart: 300, tickSize: '0.01' });
    expect(first.summary).toMatchObject({ candles: 365, warmup: 300, totalReturnPct: expected.totalReturnPct, maxDrawdownPct: expected.maxDrawdownPct, buyAndHoldPct: expected.buyAndHoldPct });
    expect(first.summary.trades.map((t) => [t.entryPrice, t.exitPrice])).toEqual(expected.trades.map((t) => [t.entryPrice, t.exitPrice]));
    // 665 candles lie on one or two 1,000-candle pages, depending on where today falls.
    expect([1, 2]).toContain(first.summary.requests);

    const second = await backtest('/backtest btcusdt MACD 365 1d');
    expect(second.card).toBe(first.card);
    expect(second.png.equals(first.png)).toBe(true);
    // The finished page came from Redis; only the newest one was read again.
    expect(second.summary).toMatchObject({ cachedPages: first.summary.requests - 1, requests: 1 });
  });

  it('answers bad arguments with the usage line and an example', async () => {
    for (const [text, reason] of [
      ['/backtest BTCUSDT', /STRATEGY is missing/],
      ['/backtest BTCUSDT rsi', /"rsi" is not a strategy/],
      ['/backtest BTCUSDT macd 1d 400', /DAYS must be from 1 to 365/],
      ['/backtest BTCUSDT macd 1w', /not an interval a backtest runs on/],
      ['/backtest BTCUSDT macd 5m 365', /more than 35,040 candles/],
    ] as const) {
      await h.send(text);
      const reply = h.messages().at(-1)!.text!;
      expect(reply).toMatch(reason);
      expect(reply).toContain('Usage: /backtest SYMBOL STRATEGY [INTERVAL] [DAYS]');
    }
  });
});
