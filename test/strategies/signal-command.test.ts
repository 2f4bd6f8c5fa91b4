/**
 * /signal end to end (DESIGN.md §11) on a replay of the real BTCUSDT 1h candles: the real bot on
 * the fake Bot API, the stop manager following the signal's pair on the simulator's kline stream,
 * the signal evaluated on the stop manager's one klines request per close, the card pushed
 * through the alerts queue and tied to its intent, Confirm through the orders queue.
 *
 * The buy card arrives at exactly the close where MACD(12,26,9) crosses above its signal, once
 * (a close evaluated again proposes nothing); confirmed, it fills; the sell card arrives at the
 * next cross below, for what the buy bought. A fractal signal's buy card arrives at the close
 * where the backtest's own strategy enters: the bracket of `/buy … sl=fractal:1h`, its stop the
 * strategy's protective stop; confirmed, the entry fills and its stop goes on the exchange, and
 * where the strategy's stop is reached the signal says the bracket's stop sells (no sell card).
 * risk= sizes a macd-fractal bracket by the distance to that stop; macd refuses risk=.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertJobId } from '../../src/alerts/alerts-queue.js';
import { div, floorToStep, normalize, sub } from '../../src/decimal.js';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { macdCrosses } from '../../src/strategies/macd-crosses.js';
import { STRATEGIES } from '../../src/strategies/strategies.js';
import { formatAmount, stripTags } from '../../src/format.js';
import { stepCandle, type StrategyState } from '../../src/strategies/strategy-step.js';
import { klineFromRow } from '../support/klines.js';
import { parseCardCallback } from '../../src/trading/card-callback.js';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import type { StoredMessage } from '../support/fake-bot-api.js';
import { eventually } from '../trading/eventually.js';
import { startStopHarness, TRADER_USER, type StopHarness } from '../trading/stop-harness.js';
import { hourlyRows } from '../trading/stop-scenario.js';

const START = 400;
const rows = hourlyRows();
const candles = rows.map(klineFromRow);
const crosses = macdCrosses(rows.map((r) => Number(r[4])));
const firstCross = (from: number, kind: 'bullish' | 'bearish') => crosses.findIndex((c, i) => i >= from && c === kind);

let h: StopHarness<ReplayFeed>;
let feed: ReplayFeed;
beforeAll(async () => {
  feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 1, logger: createLogger({ level: 'silent' }), startIndex: START, autoAdvance: false });
  h = await startStopHarness<ReplayFeed>({ feed, bot: true, strategies: true, sim: { balances: { USDT: '10000' } } });
});
afterAll(() => h?.close());

const confirmData = (m: StoredMessage) => (m.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard[0]![0]!.callback_data;
let cardPattern = /Signal #\d+ · macd/;
const signalCards = () => h.messages().filter((m) => cardPattern.test(m.text ?? ''));
let stepped = START;

/** Steps the replay one candle at a time until a new signal message arrives; returns it with the candle index. */
async function stepUntilCard(from: number, limit: number): Promise<{ index: number; card: StoredMessage; klinesPerClose: number[] }> {
  const before = signalCards().length;
  const klinesPerClose: number[] = [];
  for (let i = from; i < limit; i++) {
    const klines = h.requests('GET', '/api/v3/klines');
    expect(feed.step()).toBe(true);
    await h.closeEvaluated('BTCUSDT', '1h', rows[i]![6]);
    klinesPerClose.push(h.requests('GET', '/api/v3/klines') - klines);
    const cards = await eventually(async () => {
      // A card leaves through the alerts queue: wait for it to drain before judging this close.
      const pending = await h.alertsQueue.queue.getJobCounts('waiting', 'active');
      return (pending.waiting ?? 0) + (pending.active ?? 0) === 0 ? signalCards() : undefined;
    }, 'the alerts queue to drain');
    stepped = i + 1;
    if (cards.length > before) return { index: i, card: cards[cards.length - 1]!, klinesPerClose };
  }
  throw new Error('no signal card');
}

describe('/signal on a replay of real candles', () => {
  it('proposes a buy card at the MACD cross above, once, and a sell card for what it bought at the cross below', async () => {
    await h.send('/signal BTCUSDT macd 1h 100USDT');
    expect(h.messages().at(-1)!.text).toMatch(/Signal <b>#1<\/b> started: BTCUSDT · macd · 1h · 100\.00 USDT per entry/);
    await h.streamReady();

    const expectedEntry = firstCross(START, 'bullish');
    const entry = await stepUntilCard(START, expectedEntry + 1);
    expect(entry.index).toBe(expectedEntry);
    // One klines request per close, the stop manager's: the signal did not read its own. (The
    // stream also announced the close before the first step, when it subscribed: one more close.)
    const closes = (await h.manager.scheduler.queue.getJobs(['completed'])).filter((j) => j.name === 'close').length;
    expect(closes).toBe(entry.klinesPerClose.length + 1);
    expect(h.requests('GET', '/api/v3/klines')).toBe(closes);
    expect(entry.card.text).toMatch(/Buy: MACD crossed above its signal/);
    expect(entry.card.text).toMatch(/BUY/);
    const intentId = parseCardCallback(confirmData(entry.card))!.intentId;
    // Tied to its intent like a card the bot replies with: the worker edits it, and it expires.
    await eventually(async () => ((await h.service.intents.get(intentId))?.intent.cardMessageId === entry.card.message_id ? true : undefined), 'the card tied to its intent');
    expect(await h.alertsQueue.queue.getJob(alertJobId(`expire-card-${intentId}`))).toBeDefined();

    // The same close evaluated again proposes nothing.
    const count = h.messages().length;
    await h.manager.evaluateNow('BTCUSDT', '1h');
    expect(h.messages().length).toBe(count);

    await h.press(entry.card.message_id, confirmData(entry.card));
    await eventually(() => (/filled/i.test(h.telegram!.message(TRADER_USER.id, entry.card.message_id)?.text ?? '') ? true : undefined), 'the buy to fill');
    const bought = await eventually(() => h.records.get(clientOrderIdOf(intentId)).then((r) => (r?.status === 'FILLED' ? r : undefined)), 'the buy record');

    const expectedExit = firstCross(expectedEntry + 1, 'bearish');
    const exit = await stepUntilCard(expectedEntry + 1, expectedExit + 1);
    expect(exit.index).toBe(expectedExit);
    expect(exit.card.text).toMatch(/Sell: MACD crossed below its signal/);
    expect(exit.card.text).toMatch(/SELL/);
    // The paper exchange takes the buy's commission in BTC: the card sells what is free of it, at most what was bought.
    const sellIntent = (await h.service.intents.get(parseCardCallback(confirmData(exit.card))!.intentId))!.intent;
    expect(Number(sellIntent.preview.quantity)).toBeGreaterThan(0);
    expect(Number(sellIntent.preview.quantity)).toBeLessThanOrEqual(Number(normalize(bought.executedQty)));

    await h.send('/signal list');
    expect(h.messages().at(-1)!.text).toMatch(/#1 <b>BTCUSDT<\/b> · macd · 1h · 100\.00 USDT/);
    await h.send('/signal off 1');
    expect(h.messages().at(-1)!.text).toMatch(/Switched off: #1 BTCUSDT macd 1h/);
    expect(await h.signals!.all()).toEqual([]);
  });

  it('a fractal signal’s buy card is the /buy … sl=fractal bracket at the strategy’s stop; Confirm places the entry and its stop; the stop, not a sell card, ends it', async () => {
    cardPattern = /Signal #\d+ · fractal/;
    await h.send('/signal BTCUSDT fractal 1h 50USDT');
    expect(h.messages().at(-1)!.text).toMatch(/Signal <b>#2<\/b> started.*a bracket holding the strategy’s fractal stop on 1h/s);
    await h.streamReady();
    const from = stepped;
    // The strategy over the same candles, as the backtest runs it: the first entry after the signal starts, and where its stop ends it.
    const series = STRATEGIES.fractal.prepare(candles, { tickSize: '0.01' });
    const expected = candles.findIndex((_, i) => i >= from && series.decide(i, undefined).kind === 'enter');
    const decision = series.decide(expected, undefined) as { kind: 'enter'; stop?: string };
    expect(decision.stop).toBeDefined();

    const entry = await stepUntilCard(from, expected + 1);
    expect(entry.index).toBe(expected);
    const text = stripTags(entry.card.text!);
    expect(text).toMatch(/Buy: close above the bearish fractal at/);
    // The bracket card of /buy … sl=fractal:1h, its stop the strategy's protective stop.
    expect(text).toContain(`Stop: ${formatAmount(decision.stop!, 2)} USDT (fractal 1h, low of the`);
    expect(text).toMatch(/At risk: [\d.,]+ USDT/);
    expect(text).toMatch(/The exit goes on right after the fill/);
    const intentId = parseCardCallback(confirmData(entry.card))!.intentId;
    const intent = (await h.service.intents.get(intentId))!.intent;
    expect(intent.preview.bracket?.stop).toMatchObject({ stopPrice: decision.stop, spec: { kind: 'fractal', interval: '1h' } });

    await h.press(entry.card.message_id, confirmData(entry.card));
    await eventually(() => (/Protected/.test(h.telegram!.message(TRADER_USER.id, entry.card.message_id)?.text ?? '') ? true : undefined), 'the entry and its stop to be placed');
    const open = await h.exchange.openOrders('BTCUSDT');
    expect(open.map((o) => [o.side, o.type, normalize(o.stopPrice ?? '0')])).toEqual([['SELL', 'STOP_LOSS_LIMIT', decision.stop]]);
    expect(open[0]!.clientOrderId).toMatch(/^skl-/);

    // Stepped as the evaluator steps it: the close where the strategy's stop is reached.
    let state: StrategyState = {};
    let stoppedAt = -1;
    for (let i = from; i < candles.length && stoppedAt < 0; i++) {
      const step = stepCandle(series, i, state);
      state = step.state;
      if (i > expected && step.events.some((e) => e.kind === 'exited' && e.by === 'stop')) stoppedAt = i;
    }
    expect(stoppedAt).toBeGreaterThan(expected);
    const end = await stepUntilCard(expected + 1, stoppedAt + 1);
    expect(end.index).toBe(stoppedAt);
    expect(end.card.text).toMatch(/fractal stop at [\d,.]+ was reached/);
    expect(end.card.text).toMatch(/trails the bullish fractals and sells by itself: no sell card/);
    expect(end.card.reply_markup).toBeUndefined();
    await h.send('/signal off all');
    expect(h.messages().at(-1)!.text).toMatch(/Switched off: #2 BTCUSDT fractal 1h/);
  });

  it('sizes a macd-fractal signal’s bracket by risk=1% of the net value over the distance to the strategy’s stop', async () => {
    cardPattern = /Signal #\d+ · macd-fractal/;
    await h.send('/signal BTCUSDT macd-fractal 1h risk=1%');
    expect(h.messages().at(-1)!.text).toMatch(/Signal <b>#3<\/b> started: BTCUSDT · macd-fractal · 1h · risk 1% of the net value per entry/);
    await h.streamReady();
    const from = stepped;
    const series = STRATEGIES['macd-fractal'].prepare(candles, { tickSize: '0.01' });
    const expected = candles.findIndex((_, i) => i >= from && series.decide(i, undefined).kind === 'enter' && (series.decide(i, undefined) as { stop?: string }).stop !== undefined);
    const entry = await stepUntilCard(from, expected + 1);
    expect(entry.index).toBe(expected);
    const text = stripTags(entry.card.text!);
    const asked = /Risk 1% of the net value ([\d,.]+) USDT = ([\d,.]+) USDT/.exec(text);
    expect(asked).not.toBeNull();
    const { preview } = (await h.service.intents.get(parseCardCallback(confirmData(entry.card))!.intentId))!.intent;
    const plan = preview.bracket!;
    expect(formatAmount(plan.sizedByRisk!.asked, 2)).toBe(asked![2]);
    expect(Number(plan.sizedByRisk!.asked)).toBeCloseTo(Number(asked![1]!.replace(/,/g, '')) / 100, 2);
    // quantity = risk ÷ (entry − stop), floored to the 0.00001 BTC step.
    const perUnit = sub(plan.entryPrice, plan.stop!.stopPrice);
    expect(preview.quantity).toBe(normalize(floorToStep(div(plan.sizedByRisk!.asked, perUnit, 10, 'floor'), '0.00001')));
    expect(text).toMatch(/Stop: [\d,.]+ USDT \(fractal 1h/);
    await h.send('/signal off all');
  });

  it('answers bad arguments with the usage line', async () => {
    for (const [text, reason] of [
      ['/signal BTCUSDT', /STRATEGY is missing/],
      ['/signal BTCUSDT rsi', /"rsi" is not a strategy/],
      ['/signal BTCUSDT macd 3d', /not an interval a signal can follow/],
      ['/signal BTCUSDT macd 1h risk=1%', /^macd exits on its own cross and gives no stop, so risk= has no distance to size by\./],
      ['/signal BTCUSDT fractal risk=lots', /not a valid risk amount|risk amount/],
      ['/signal off x', /not a signal id/],
      ['/signal off 99', /There is no signal #99/],
    ] as const) {
      await h.send(text);
      expect(h.messages().at(-1)!.text).toMatch(reason);
    }
  });
});
