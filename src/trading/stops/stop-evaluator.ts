/**
 * One candle close of one (symbol, interval): every trailing stop on it evaluated against ONE
 * klines request (DESIGN.md §5: "all stops on one (symbol, interval) share one klines request
 * per candle close"), then moved where its rule says (stop-rules.ts, stop-mover.ts).
 *
 * Which candles are closed: the close being evaluated is named by its close time `T` (from the
 * kline stream's closed candle, or the scheduler's clock); candles up to T are closed, anything
 * after is forming. This never trusts the local clock against candle times, which a replayed
 * market (PAPER_SPEED) does not share. Without a T (a manual round), the last row is taken as
 * forming, as Binance documents ("the last row may still be open").
 *
 * Each stop is evaluated at most once per close (`lastEvaluatedClose`), so a retried job, a second
 * worker, or the stream and the scheduler announcing the same close cannot move a stop twice.
 * A stop that holds (most of them, at most closes) is decided on the state read with the pair and
 * noted with a compare-and-set, all in one round trip; a stop that moves, whose first order is
 * still in the pipeline, or that waits in a plan's list for its entry (stop-entry.ts), is decided
 * again from its stored state holding its lease, after any lost answer of an earlier move is
 * settled (stop-settle.ts).
 */
import { isPositive, normalize } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { formatUtc } from '../../format.js';
import type { Logger } from '../../logger.js';
import { priceFilterOf } from '../../binance/filters.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { TA_CANDLES } from '../../market/indicators.js';
import type { SymbolLookup } from '../orders/order-pricing.js';
import type { OrderRecords } from '../orders/order-records.js';
import { heldText, notArmedText } from './stop-alert-text.js';
import type { StopMover } from './stop-mover.js';
import { resolvePlacing } from './stop-placing.js';
import type { StopPair, StopStore } from './stop-store.js';
import { decideStop, type StopMarket, type StopRuleDecision } from './stop-rules.js';
import type { ManagedStop, PairEvaluation } from './stop-types.js';
import type { AlertSink } from '../types.js';
import type { AuditLog } from '../audit-log.js';
import type { CandleCloseListener } from './close-listener.js';
import { createStopEntry } from './stop-entry.js';

/**
 * Candles per klines request. A trailing move only looks at the newest fractal formed after
 * arming, always near the end (an older one was the newest at an earlier close); a stop waiting
 * for a fractal below the price may need to look far back, as arming does (stop-pricing.ts). An
 * ATR stop reads as many candles as /ta and arming do, so its ATR(14) is the one the card showed.
 */
export const EVALUATION_KLINES = 100;
export const WAITING_KLINES = 1000;
export const ATR_KLINES = TA_CANDLES + 1;

export interface StopEvaluatorDeps {
  exchange: ExchangeClient;
  symbols: SymbolLookup;
  store: StopStore;
  records: OrderRecords;
  mover: StopMover;
  alerts: AlertSink;
  logger: Logger;
  audit?: AuditLog;
  /** /pause: evaluations run, moves wait (TradingService.isPaused, the orders queue's pause flag). */
  isPaused(): Promise<boolean>;
  /** STOP_MIN_MOVE_PCT. */
  minMovePct: string;
  /** State of the orders job of a stop still being placed (orders queue). */
  jobState?: (jobId: string) => Promise<string | undefined>;
  /** Work on the same closes and klines after the stops (/signal: close-listener.ts). */
  closeListener?: CandleCloseListener;
  now?: () => number;
}

/** The candle named by a close has not been published yet: the job is retried shortly. */
export class CloseNotPublishedError extends AppError {
  override name = 'CloseNotPublishedError';
}

type StopResult = 'moved' | 'held' | 'refused' | 'gone' | 'skipped';
type Market = StopMarket;

export interface StopEvaluator {
  evaluate(pair: StopPair, closeTime?: number): Promise<PairEvaluation>;
}

export function createStopEvaluator(deps: StopEvaluatorDeps): StopEvaluator {
  const { store, mover } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'stop-evaluator' });
  const entries = createStopEntry({ exchange: deps.exchange, store, logger: deps.logger, ...(deps.audit ? { audit: deps.audit } : {}) });

  async function note(stop: ManagedStop, patch: Partial<ManagedStop>): Promise<void> {
    const saved = await store.save({ ...stop, ...patch });
    if (!saved) log.debug({ stopId: stop.id }, 'stop changed while its evaluation was noted');
  }

  const decide = (stop: ManagedStop, market: Market): StopRuleDecision => decideStop(stop, market, deps.minMovePct);

  /** The stop as it is after holding at this close; a new level refused for a reason worth knowing is said, once per level. */
  async function hold(stop: ManagedStop, decision: Extract<StopRuleDecision, { move: false }>, market: Market): Promise<ManagedStop> {
    const candidate = decision.candidate ? { ...decision.candidate, note: decision.reason } : undefined;
    if (candidate && stop.candidate?.basis.openTime !== candidate.basis.openTime) {
      const text = heldText(stop, decision.reason, candidate.basis, await deps.symbols.symbol(stop.symbol).catch(() => undefined));
      if (text) await deps.alerts.enqueue({ key: `stop-held-${stop.id}-${candidate.basis.openTime}`, chatId: stop.chatId, userId: stop.userId, category: 'stop', text });
    }
    return { ...stop, lastEvaluatedClose: market.closeTime, ...(candidate ? { candidate } : {}), ...(decision.high ? { high: decision.high } : {}) };
  }

  /** A stop whose first order is in the pipeline, or one that moves: under its lease, from its stored state. */
  async function evaluateLocked(id: string, market: Market, paused: boolean): Promise<StopResult> {
    let stop = await store.get(id);
    if (!stop || stop.status === 'removing') return 'skipped';
    if (stop.lastEvaluatedClose !== undefined && stop.lastEvaluatedClose >= market.closeTime) return 'skipped';

    if (stop.status === 'placing') {
      const placed = await resolvePlacing(stop, { records: deps.records, store, now, ...(deps.jobState ? { jobState: deps.jobState } : {}) });
      if (placed.kind === 'pending') return 'held';
      if (placed.kind === 'failed') {
        await store.remove(stop.id);
        log.warn({ stopId: stop.id }, 'the first order of a stop failed; the stop is forgotten');
        await deps.alerts.enqueue({ key: `stop-not-armed-${stop.id}`, chatId: stop.chatId, userId: stop.userId, category: 'stop', text: notArmedText(stop) });
        return 'gone';
      }
      if (placed.kind === 'closed') {
        await mover.retire(placed.stop, placed.status);
        return 'gone';
      }
      stop = placed.stop;
    }
    // A move whose answer was lost (a crash, a time-out) is adopted before deciding again.
    stop = await mover.settle(stop);
    if (stop.awaitsEntry !== undefined) {
      // Its leg waits with the entry in one list: moving it would cancel the entry. Nothing is decided until the fill.
      const entry = await entries.check(stop, market.closeTime);
      if (entry.kind === 'gone') return 'skipped';
      if (entry.kind === 'waiting') {
        await note(stop, { lastEvaluatedClose: market.closeTime });
        return 'held';
      }
      if (entry.kind === 'ended') {
        if (!(await entries.forgetUnfilled(stop, entry.status))) await mover.vanished(stop, entry.status);
        return 'gone';
      }
      stop = entry.stop;
    }

    const decision = decide(stop, market);
    if (!decision.move) {
      await note(stop, await hold(stop, decision, market));
      return 'held';
    }
    const target = { stopPrice: decision.newStop, basis: decision.basis, closeTime: market.closeTime };
    const high = decision.high ? { high: decision.high } : {};
    if (paused) {
      await note(stop, { lastEvaluatedClose: market.closeTime, candidate: { basis: target.basis, stopPrice: target.stopPrice, note: 'paused' }, ...high });
      return 'held';
    }
    const outcome = await mover.moveTo(stop, target, { price: market.price });
    if (outcome.kind === 'gone') return 'gone';
    const latest = (await store.get(stop.id)) ?? outcome.stop;
    const refused = outcome.kind === 'refused' || outcome.kind === 're-placed' || outcome.kind === 'unprotected';
    await note(latest, {
      // An unanswered move is tried again at the next close.
      ...(outcome.kind === 'unknown' ? {} : { lastEvaluatedClose: market.closeTime }),
      candidate: outcome.kind === 'moved' ? undefined : { basis: target.basis, stopPrice: target.stopPrice, note: 'refused' },
      ...high,
    });
    return outcome.kind === 'moved' ? 'moved' : refused ? 'refused' : 'held';
  }

  return {
    async evaluate(pair, closeTime) {
      const result: PairEvaluation = { symbol: pair.symbol, interval: pair.interval, stops: 0, moved: 0, held: 0, refused: 0, failed: 0 };
      const stops = await store.byPair(pair);
      const listener = deps.closeListener && (await deps.closeListener.listens(pair)) ? deps.closeListener : undefined;
      if (stops.length === 0 && !listener) return { ...result, skipped: 'no stops' };
      // The one klines request of this close, shared by every stop on the pair (and the listener).
      const limit = Math.max(
        stops.some((s) => s.status === 'waiting' && s.kind === 'fractal') ? WAITING_KLINES : EVALUATION_KLINES,
        stops.some((s) => s.kind === 'atr') ? ATR_KLINES : 0,
        listener?.klines ?? 0,
      );
      const rows = await deps.exchange.klines(pair.symbol, pair.interval, { limit });
      const last = rows[rows.length - 1];
      let close = closeTime;
      if (close === undefined) close = rows[rows.length - 2]?.closeTime;
      else if (!rows.some((r) => r.closeTime === close)) {
        if (last && last.closeTime < close) {
          throw new CloseNotPublishedError('INTERNAL', `${pair.symbol} ${pair.interval}: the candle closing at ${close} is not in the klines yet`);
        }
        return { ...result, stops: stops.length, skipped: 'close outside the klines window' };
      }
      const info = await deps.symbols.symbol(pair.symbol);
      const tickSize = info ? priceFilterOf(info)?.tickSize : undefined;
      if (close === undefined || !last || !tickSize || !isPositive(last.close)) return { ...result, stops: stops.length, skipped: 'no market data' };
      const candles = rows.filter((r) => r.closeTime <= close!);
      const market = { candles, closeTime: close, price: normalize(last.close), tickSize };
      const paused = await deps.isPaused();

      result.closeTime = close;
      result.stops = stops.length;
      // Most stops hold at most closes: decided on the snapshot read above and noted in one
      // round trip (compare-and-set: a stop changed meanwhile is simply evaluated at the next close).
      const held: ManagedStop[] = [];
      for (const stop of stops) {
        if (stop.status === 'removing' || (stop.lastEvaluatedClose !== undefined && stop.lastEvaluatedClose >= close)) continue;
        try {
          if (stop.status !== 'placing' && stop.awaitsEntry === undefined) {
            const decision = decide(stop, market);
            if (!decision.move) {
              held.push(await hold(stop, decision, market));
              result.held++;
              continue;
            }
          }
          const outcome = await store.withLock(stop.id, () => evaluateLocked(stop.id, market, paused));
          if (outcome === 'moved') result.moved++;
          else if (outcome === 'refused') result.refused++;
          else if (outcome === 'held') result.held++;
        } catch (error) {
          result.failed++;
          log.error({ err: error, stopId: stop.id, symbol: pair.symbol, interval: pair.interval }, 'stop evaluation failed');
        }
      }
      await store.saveMany(held);
      if (listener) await listener.onClose(pair, close, candles);
      if (stops.length === 0) return result;
      const summary =
        `${pair.symbol} ${pair.interval} close ${formatUtc(close + 1)}: ${result.stops} stop${result.stops === 1 ? '' : 's'} checked, ${result.moved} moved` +
        (result.refused ? `, ${result.refused} refused` : '') +
        (result.failed ? `, ${result.failed} failed` : '') +
        (paused ? ' (paused: no moves)' : '');
      await store.setLastEvaluation({ at: now(), summary }).catch((error: unknown) => log.warn({ err: error }, 'could not store the evaluation note'));
      log.info({ ...result, paused }, 'stops evaluated');
      // Evaluated stops are marked with this close; a retry re-reads the klines for the others only.
      if (result.failed > 0) throw new AppError('INTERNAL', `${result.failed} stop evaluation(s) failed on ${pair.symbol} ${pair.interval}`);
      return result;
    },
  };
}
