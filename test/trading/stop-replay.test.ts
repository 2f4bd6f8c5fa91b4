/**
 * A fractal trailing stop on a replay of real candles (../shared/fixtures/klines, BTCUSDT 1h
 * 2025-09..11) through the simulator: armed through the card and the orders pipeline on a chosen
 * candle, then every candle close announced on the simulator's kline stream and evaluated by the
 * stop manager's BullMQ worker. The stop must move only upward, only to fractals formed after
 * arming and confirmed by two closed candles, with exactly one cancelReplace per move and one
 * "moved" alert per move, and it must fill when the replayed price falls through it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { floorToStep, gt, lte, normalize } from '../../src/decimal.js';
import { formatUtc } from '../../src/format.js';
import { createLogger } from '../../src/logger.js';
import { createReplayFeed } from '../../src/sim/feeds/replay-feed.js';
import type { ReplayFeed } from '../../src/sim/types.js';
import type { ManagedStop } from '../../src/trading/stops/stop-types.js';
import { startStopHarness, type StopHarness } from './stop-harness.js';
import { hourlyRows, isBullishFractal } from './stop-scenario.js';

/** Armed in the 2025-10-17 10:00 UTC candle, after a fall: a climb follows, then a fall through the stop a day later. */
const START = 460;
const CANCEL_REPLACE = '/api/v3/order/cancelReplace';

interface Move {
  closeTime: number;
  from: string;
  to: string;
  fractal: { price: string; openTime: number };
}

describe('fractal trailing stop on a replay of real candles', () => {
  const rows = hourlyRows();
  let h: StopHarness<ReplayFeed> | undefined;
  afterAll(() => h?.close());

  it('moves up to each new confirmed fractal after arming, one cancelReplace and one alert per move, and fills when the price falls through', async () => {
    const feed = createReplayFeed({ series: { BTCUSDT: rows }, speed: 1, logger: createLogger({ level: 'silent' }), startIndex: START, autoAdvance: false });
    h = await startStopHarness<ReplayFeed>({ feed, sim: { balances: { BTC: '1', USDT: '1000' } } });

    const armed = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    const entry = normalize(rows[START - 1]![4]);
    expect(armed).toMatchObject({ status: 'active', entryPrice: entry, armedAt: rows[START]![0] });
    expect(gt(entry, armed.stopPrice!)).toBe(true);
    await h.streamReady();

    const moves: Move[] = [];
    let stop: ManagedStop = armed;
    let filledAt: number | undefined;
    for (let i = START; i < rows.length && filledAt === undefined; i++) {
      expect(feed.step()).toBe(true);
      await h.closeEvaluated('BTCUSDT', '1h', rows[i]![6]);
      const now = (await h.store.get(stop.id)) ?? stop;
      if (now.stopPrice !== stop.stopPrice) moves.push({ closeTime: rows[i]![6], from: stop.stopPrice!, to: now.stopPrice!, fractal: now.lastMove!.basis as Move['fractal'] });
      stop = now;
      const order = h.sim.control.orders('BTCUSDT').find((o) => o.orderId === stop.orderId);
      if (order?.status === 'FILLED') filledAt = i;
    }

    console.log(
      [
        `stop armed at the ${formatUtc(rows[START]![0])} candle: entry ${entry}, first stop ${armed.stopPrice}`,
        'candle close (UTC)      old stop  →  new stop   fractal (low @ candle)',
        ...moves.map((m) => `${formatUtc(m.closeTime + 1)}  ${m.from.padStart(9)} → ${m.to.padStart(9)}   ${m.fractal.price} @ ${formatUtc(m.fractal.openTime)}`),
        filledAt === undefined ? 'never filled' : `filled in the ${formatUtc(rows[filledAt]![0])} candle (low ${rows[filledAt]![3]}) at stop ${stop.stopPrice}`,
      ].join('\n'),
    );

    expect(moves.length).toBeGreaterThanOrEqual(3);
    let previous = armed.stopPrice!;
    for (const move of moves) {
      // Only up, from where it was.
      expect(move.from).toBe(previous);
      expect(gt(move.to, move.from)).toBe(true);
      previous = move.to;
      // To a real bullish fractal formed after arming and confirmed by two closed candles at the move.
      const j = rows.findIndex((r) => r[0] === move.fractal.openTime);
      expect(isBullishFractal(rows, j)).toBe(true);
      expect(rows[j]![0]).toBeGreaterThanOrEqual(armed.armedAt);
      expect(rows[j + 2]![6]).toBeLessThanOrEqual(move.closeTime);
      expect(move.to).toBe(normalize(floorToStep(rows[j]![3], '0.01')));
      // Above the entry, below the price at that close.
      expect(gt(move.to, entry)).toBe(true);
      expect(gt(rows.find((r) => r[6] === move.closeTime)![4], move.to)).toBe(true);
    }

    // Exactly one cancelReplace per move, each a success.
    const replaces = h.sim.control.requests().filter((r) => r.path === CANCEL_REPLACE);
    expect(replaces).toHaveLength(moves.length);
    expect(replaces.every((r) => r.status === 200)).toBe(true);
    expect(h.requests('POST', '/api/v3/order')).toBe(1);

    // One "moved" alert per move, in order, naming both prices.
    const movedAlerts = (await h.stopAlerts()).filter((a) => a.key.startsWith(`stop-moved-${armed.id}-`));
    expect(movedAlerts).toHaveLength(moves.length);
    movedAlerts.forEach((alert, k) => {
      const [fromInt, fromFrac] = moves[k]!.from.split('.');
      const [toInt, toFrac] = moves[k]!.to.split('.');
      const shown = (int: string, frac = '') => `${Number(int).toLocaleString('en-US')}.${frac.padEnd(2, '0')}`;
      expect(alert.text).toContain(`${shown(fromInt!, fromFrac)} → <b>${shown(toInt!, toFrac)}</b>`);
    });

    // Filled in the first candle after the last move whose low reached the stop.
    expect(filledAt).toBeDefined();
    const lastMoveIndex = rows.findIndex((r) => r[6] === moves[moves.length - 1]!.closeTime);
    const firstCross = rows.findIndex((r, i) => i > lastMoveIndex && lte(r[3], stop.stopPrice!));
    expect(filledAt).toBe(firstCross);
    const filled = h.sim.control.orders('BTCUSDT').find((o) => o.orderId === stop.orderId)!;
    expect(filled).toMatchObject({ status: 'FILLED', side: 'SELL', type: 'STOP_LOSS_LIMIT' });
    expect(normalize(filled.executedQty)).toBe('0.1');
  });
});
