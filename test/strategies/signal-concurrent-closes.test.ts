/**
 * Two closes of one pair evaluated at the same time (a catch-up beside a live close, or a
 * stream-announced close beside a scheduled one): the later close reads the signal before the
 * earlier one saves it, so its compare-and-set save loses. It must read the signal again and step
 * on from the close the other saved — its buy card is sent once — rather than return with nothing
 * sent. Driven through the real signal evaluator, the real signal store in Redis, the trading
 * service's card pricing against the paper exchange, and the alerts queue; only the order of the
 * two saves is forced (a gate on the store).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import { createSignalEvaluator } from '../../src/strategies/signal-evaluator.js';
import type { SignalStore } from '../../src/strategies/signal-store.js';
import { STRATEGIES } from '../../src/strategies/strategies.js';
import { stepCandle, type StrategyState } from '../../src/strategies/strategy-step.js';
import type { AlertJob } from '../../src/trading/types.js';
import { klineFromRow } from '../support/klines.js';
import { startStopHarness, type StopHarness } from '../trading/stop-harness.js';
import { hourlyRows } from '../trading/stop-scenario.js';

const rows = hourlyRows();
const candles = rows.map(klineFromRow);

/** The close where the fractal strategy, stepped from the first candle, first enters. */
function firstEntry(): number {
  const series = STRATEGIES.fractal.prepare(candles, { tickSize: '0.01' });
  let state: StrategyState = {};
  for (let i = 0; i < candles.length; i++) {
    const step = stepCandle(series, i, state);
    state = step.state;
    if (step.events.some((e) => e.kind === 'enter-signal')) return i;
  }
  throw new Error('no entry');
}
const entry = firstEntry();

let h: StopHarness<ReplayFeed>;
beforeAll(async () => {
  const feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 1, logger: createLogger({ level: 'silent' }), startIndex: entry, autoAdvance: false });
  h = await startStopHarness<ReplayFeed>({ feed, bot: true, strategies: true, sim: { balances: { USDT: '10000' } } });
});
afterAll(() => h?.close());

describe('a signal evaluated at two closes at once', () => {
  it('the close whose save lost steps on from the other and sends its card once', async () => {
    await h.send('/signal BTCUSDT fractal 1h 100USDT');
    const signal = (await h.signals!.all())[0]!;
    const pair = { symbol: 'BTCUSDT', interval: '1h' as const };

    // The earlier close's save waits until the later close has read the signal; the later close's save waits for the earlier one's.
    let laterRead!: () => void;
    const laterHasRead = new Promise<void>((resolve) => (laterRead = resolve));
    let earlierSaved!: () => void;
    const earlierHasSaved = new Promise<void>((resolve) => (earlierSaved = resolve));
    const earlierClose = candles[entry - 1]!.closeTime;
    const laterClose = candles[entry]!.closeTime;
    let reads = 0;
    const store: SignalStore = {
      ...h.signals!,
      async byPair(p) {
        const found = await h.signals!.byPair(p);
        if (++reads === 2) laterRead();
        return found;
      },
      async save(next) {
        if (next.lastClose === earlierClose) {
          await laterHasRead;
          const saved = await h.signals!.save(next);
          earlierSaved();
          return saved;
        }
        await earlierHasSaved;
        return h.signals!.save(next);
      },
    };
    const evaluator = createSignalEvaluator({
      store,
      symbols: h.cache,
      trading: h.service,
      exchange: h.exchange,
      records: h.records,
      alerts: h.alertsQueue,
      logger: createLogger({ level: 'silent' }),
    });

    await Promise.all([
      evaluator.onClose(pair, earlierClose, candles.slice(0, entry)),
      evaluator.onClose(pair, laterClose, candles.slice(0, entry + 1)),
    ]);

    const jobs = async (): Promise<AlertJob[]> => (await h.alertsQueue.queue.getJobs(['waiting', 'active', 'completed', 'delayed', 'prioritized'])).map((j) => j.data as AlertJob);
    // onClose has enqueued what it sends by the time it resolves: what is queued now is all there is.
    const sent = (await jobs()).filter((j) => j.key.startsWith(`signal-${signal.id}-`)).map((j) => j.key);
    expect(sent).toEqual([`signal-${signal.id}-${laterClose}-entry`]);
    expect((await h.signals!.get(signal.id))!.lastClose).toBe(laterClose);
  });
});
