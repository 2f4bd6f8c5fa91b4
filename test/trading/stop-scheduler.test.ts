/**
 * When evaluations happen: a BullMQ job scheduler per (symbol, interval) in use, firing a few
 * seconds after every candle close in UTC (and gone when the pair's last stop goes); a tick that
 * names the close from the exchange clock; and a close announced twice (stream and scheduler,
 * or two workers) evaluated once, with one klines request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { candleOpenAt, closeCronPattern, lastClosedCloseTime, STOP_INTERVALS } from '../../src/trading/stops/stop-intervals.js';
import { closeJobId } from '../../src/trading/stops/stop-scheduler.js';
import { eventually } from '../support/wait.js';
import { startStopHarness, TRADER, type StopHarness } from './stop-harness.js';
import { loadHistory } from './stop-scenario.js';

const HOUR = 3_600_000;

describe('stop evaluation schedule', () => {
  it('knows when candles close, and names each close by the candle before the one forming', () => {
    const t = Date.UTC(2025, 9, 17, 10, 37, 12);
    expect(candleOpenAt('4h', t)).toBe(Date.UTC(2025, 9, 17, 8));
    expect(lastClosedCloseTime('4h', t)).toBe(Date.UTC(2025, 9, 17, 8) - 1);
    expect(lastClosedCloseTime('1w', t)).toBe(Date.UTC(2025, 9, 13) - 1); // weeks open on Monday 00:00 UTC
    expect(lastClosedCloseTime('1M', t)).toBe(Date.UTC(2025, 9, 1) - 1);
    expect(lastClosedCloseTime('15m', t)).toBe(Date.UTC(2025, 9, 17, 10, 30) - 1);
    expect(closeCronPattern('4h', 3)).toBe('3 0 */4 * * *');
    expect(closeCronPattern('15m', 3)).toBe('3 */15 * * * *');
    expect(closeCronPattern('1w', 5)).toBe('5 0 0 * * 1');
    expect(STOP_INTERVALS).not.toContain('3d');
  });

  describe('with the stop manager', () => {
    let h: StopHarness<ProgrammaticFeed> | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('keeps one job scheduler per pair in use, a few seconds after each close in UTC, and drops it with the last stop', async () => {
      h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, manager: { schedule: { delaySeconds: 3 } } });
      loadHistory(h.sim.feed, 200);
      await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '4h', amount: { kind: 'base', quantity: '0.1' } });
      await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '4h', amount: { kind: 'base', quantity: '0.1' } });
      await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
      const schedulers = await eventually(async () => {
        const all = await h!.manager.scheduler.queue.getJobSchedulers(0, -1);
        return all.length === 2 ? all : undefined;
      }, 'two job schedulers');
      const fourHours = schedulers.find((s) => s.key === 'stop-close-BTCUSDT-4h')!;
      expect(fourHours).toMatchObject({ pattern: '3 0 */4 * * *', tz: 'UTC', name: 'tick' });
      // The next run is 3 s past a 4h boundary of the UTC day.
      expect((fourHours.next! - 3_000) % (4 * HOUR)).toBe(0);
      expect(fourHours.next!).toBeGreaterThan(Date.now());
      expect(schedulers.find((s) => s.key === 'stop-close-BTCUSDT-1h')?.pattern).toBe('3 0 * * * *');

      await h.desk.removeStops('BTCUSDT', TRADER);
      await h.manager.syncPairs();
      expect(await h.manager.scheduler.queue.getJobSchedulers(0, -1)).toEqual([]);
    });

    it("a tick names the close from the exchange clock; the same close announced twice is evaluated once", async () => {
      // No history: the feed's forming 1h candle is the wall clock's hour, as on the exchange.
      h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
      const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
      expect(stop.status).toBe('waiting');
      const queue = h.manager.scheduler.queue;

      // What the job scheduler adds at every close: the close it names is the previous hour's.
      await queue.add('tick', { symbol: 'BTCUSDT', interval: '1h' });
      const named = lastClosedCloseTime('1h', Date.now() - h.exchange.usage().clockOffsetMs);
      const close = await eventually(async () => {
        const id = closeJobId({ symbol: 'BTCUSDT', interval: '1h' }, named);
        // The state first, then the job: a job read before its completion has no returnvalue yet.
        return (await queue.getJobState(id)) === 'completed' ? await queue.getJob(id) : undefined;
      }, 'the close job the tick added');
      // The feed has no candle for that hour (it started with this one): nothing to evaluate.
      expect(close.returnvalue).toMatchObject({ skipped: 'close outside the klines window' });

      // The stream and the scheduler (or two workers) announcing the same close: one job, one klines request.
      // (The kline stream announces this close too: a third announcement of it.)
      const klines = h.requests('GET', '/api/v3/klines');
      h.sim.feed.closeCandle('BTCUSDT', '1h');
      const lastClosed = h.sim.feed.klines('BTCUSDT', '1h', { limit: 2 })[0]![6];
      await Promise.all([h.manager.scheduler.enqueueClose({ symbol: 'BTCUSDT', interval: '1h' }, lastClosed), h.manager.scheduler.enqueueClose({ symbol: 'BTCUSDT', interval: '1h' }, lastClosed)]);
      await h.closeEvaluated('BTCUSDT', '1h', lastClosed);
      await h.manager.scheduler.enqueueClose({ symbol: 'BTCUSDT', interval: '1h' }, lastClosed);
      await h.closeEvaluated('BTCUSDT', '1h', lastClosed);
      expect(h.requests('GET', '/api/v3/klines') - klines).toBe(1);
      expect((await h.store.get(stop.id))?.lastEvaluatedClose).toBe(lastClosed);
    });
  });
});
