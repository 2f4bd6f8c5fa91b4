/**
 * A fractal signal whose entry has no stop to hold (DESIGN.md §11), on a replay of the real
 * BTCUSDT 1h candles from their start: at the close of candle 7 the fractal strategy breaks out
 * above a bearish fractal with no confirmed bullish fractal below the price yet, so its stop waits.
 *
 * - An amount still gets a card: the plain /buy card, saying the stop waits (a bracket has no
 *   stop to hold); `risk=` has nothing to size by and gets a plain sentence, no card.
 * - Confirmed, the buy fills; nothing on the exchange protects it. Where the strategy's own
 *   (trailed) stop is reached, the signal sends a sell card for what its buy bought.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { STRATEGIES } from '../../src/strategies/strategies.js';
import { stepCandle, type StrategyState } from '../../src/strategies/strategy-step.js';
import { parseCardCallback } from '../../src/trading/card-callback.js';
import { clientOrderIdOf } from '../../src/trading/intent-store.js';
import type { StoredMessage } from '../support/fake-bot-api.js';
import { klineFromRow } from '../support/klines.js';
import { eventually } from '../trading/eventually.js';
import { startStopHarness, TRADER_USER, type StopHarness } from '../trading/stop-harness.js';
import { hourlyRows } from '../trading/stop-scenario.js';

const rows = hourlyRows();
const candles = rows.map(klineFromRow);
const series = STRATEGIES.fractal.prepare(candles, { tickSize: '0.01' });

/** The strategy as the backtest steps it from the first candle: its first entry (with no stop) and the close where its stop is reached. */
function firstTrade(): { entry: number; stopped: number } {
  let state: StrategyState = {};
  let entry = -1;
  for (let i = 0; i < candles.length; i++) {
    const step = stepCandle(series, i, state);
    state = step.state;
    for (const e of step.events) {
      if (e.kind === 'enter-signal' && entry < 0) {
        expect(e.stop).toBeUndefined();
        entry = i;
      }
      if (e.kind === 'exited' && e.by === 'stop' && entry >= 0) return { entry, stopped: i };
    }
  }
  throw new Error('no trade');
}
const trade = firstTrade();

let h: StopHarness<ReplayFeed>;
let feed: ReplayFeed;
beforeAll(async () => {
  feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 1, logger: createLogger({ level: 'silent' }), startIndex: trade.entry, autoAdvance: false });
  h = await startStopHarness<ReplayFeed>({ feed, bot: true, strategies: true, sim: { balances: { USDT: '10000' } } });
});
afterAll(() => h?.close());

const confirmData = (m: StoredMessage) => (m.reply_markup as { inline_keyboard: Array<Array<{ callback_data: string }>> }).inline_keyboard[0]![0]!.callback_data;
const signalMessages = (id: number) => h.messages().filter((m) => new RegExp(`Signal #${id} · fractal`).test(m.text ?? ''));

/** Steps the replay over candles from..to (closes evaluated, alerts delivered). */
async function stepTo(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) {
    expect(feed.step()).toBe(true);
    await h.closeEvaluated('BTCUSDT', '1h', rows[i]![6]);
    await eventually(async () => {
      const pending = await h.alertsQueue.queue.getJobCounts('waiting', 'active');
      return (pending.waiting ?? 0) + (pending.active ?? 0) === 0 ? true : undefined;
    }, 'the alerts queue to drain');
  }
}

describe('a fractal signal with no fractal below the price at its entry', () => {
  it('proposes a plain buy for an amount and refuses risk=; when the strategy’s stop is reached, a sell card for what the buy bought', async () => {
    await h.send('/signal BTCUSDT fractal 1h 100USDT');
    await h.send('/signal BTCUSDT fractal 1h risk=1%');
    await h.streamReady();
    await stepTo(trade.entry, trade.entry);

    // Each signal's answer is its own alert job: both are waited for, not just a drained queue.
    const card = await eventually(() => signalMessages(1)[0], 'signal #1 card');
    expect(card?.text).toMatch(/Buy: close above the bearish fractal at/);
    expect(card?.text).toMatch(/No confirmed bullish fractal below the price on 1h yet: this buy has no stop\. Arm one with \/stop BTCUSDT fractal 1h after the fill/);
    expect(card?.text).not.toMatch(/Stop: /);
    const refused = await eventually(() => signalMessages(2)[0], 'signal #2 refusal');
    expect(refused?.text).toMatch(/No card: There is no confirmed bullish fractal below the price on 1h candles yet, so the strategy has no stop and risk= has nothing to size by\./);
    expect(refused?.reply_markup).toBeUndefined();

    const intentId = parseCardCallback(confirmData(card!))!.intentId;
    expect((await h.service.intents.get(intentId))!.intent.preview.bracket).toBeUndefined();
    await h.press(card!.message_id, confirmData(card!));
    await eventually(() => (/filled/i.test(h.telegram!.message(TRADER_USER.id, card!.message_id)?.text ?? '') ? true : undefined), 'the buy to fill');
    const bought = await eventually(() => h.records.get(clientOrderIdOf(intentId)).then((r) => (r?.status === 'FILLED' ? r : undefined)), 'the buy record');
    await h.send('/signal off 2');

    // The confirmed card now reads as the order's own (filled): count the signal's messages from here.
    const before = signalMessages(1).length;
    await stepTo(trade.entry + 1, trade.stopped - 1);
    expect(signalMessages(1)).toHaveLength(before);
    await stepTo(trade.stopped, trade.stopped);
    expect(signalMessages(1)).toHaveLength(before + 1);
    const exit = signalMessages(1).at(-1)!;
    expect(exit.text).toMatch(/Sell: the strategy’s fractal stop at [\d,.]+ was reached/);
    expect(exit.text).toMatch(/SELL/);
    const sell = (await h.service.intents.get(parseCardCallback(confirmData(exit))!.intentId))!.intent;
    expect(sell.preview.side).toBe('SELL');
    expect(Number(sell.preview.quantity)).toBeGreaterThan(0);
    expect(Number(sell.preview.quantity)).toBeLessThanOrEqual(Number(normalize(bought.executedQty)));
  });
});
