/**
 * One evaluation round over every followed pair (`StopManager.evaluateAll`, the benchmark's unit),
 * and the metrics every pair evaluation reports, whoever triggers it (a close job or a round).
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../../logger.js';
import type { StopPair } from './stop-store.js';
import type { EvaluationRound, PairEvaluation } from './stop-types.js';

export type EvaluatePair = (pair: StopPair, closeTime?: number) => Promise<PairEvaluation>;

/** `evaluate`, counted by outcome and timed (klines request, rule, moves). */
export function meteredEvaluation(evaluate: EvaluatePair, registry?: Registry): EvaluatePair {
  const registers = registry ? [registry] : [];
  const evaluations = new Counter({ name: 'binance_chatops_stop_evaluations_total', help: 'Stop evaluations per pair and close, by outcome', labelNames: ['outcome'] as const, registers });
  const moves = new Counter({ name: 'binance_chatops_stop_moves_total', help: 'Stops moved, refused or held at a candle close', labelNames: ['outcome'] as const, registers });
  const duration = new Histogram({
    name: 'binance_chatops_stop_evaluation_seconds',
    help: 'One (symbol, interval) evaluated: klines request, rule, moves',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  return async (pair, closeTime) => {
    const end = duration.startTimer();
    try {
      const result = await evaluate(pair, closeTime);
      evaluations.inc({ outcome: result.skipped ? 'skipped' : 'evaluated' });
      if (result.moved) moves.inc({ outcome: 'moved' }, result.moved);
      if (result.refused) moves.inc({ outcome: 'refused' }, result.refused);
      if (result.held) moves.inc({ outcome: 'held' }, result.held);
      return result;
    } catch (error) {
      evaluations.inc({ outcome: 'failed' });
      throw error;
    } finally {
      end();
    }
  };
}

/** Every pair evaluated now, `concurrency` at a time; a pair that fails is counted, not fatal to the round. */
export async function evaluateRound(pairs: readonly StopPair[], evaluate: EvaluatePair, concurrency: number, log: Logger): Promise<EvaluationRound> {
  const started = performance.now();
  const results: PairEvaluation[] = [];
  let next = 0;
  const lane = async () => {
    while (next < pairs.length) {
      const pair = pairs[next++]!;
      try {
        results.push(await evaluate(pair));
      } catch (error) {
        log.error({ err: error, ...pair }, 'pair evaluation failed');
        results.push({ ...pair, stops: 0, moved: 0, held: 0, refused: 0, failed: 1, skipped: 'failed' });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pairs.length) }, lane));
  return {
    pairs: pairs.length,
    stops: results.reduce((n, r) => n + r.stops, 0),
    moved: results.reduce((n, r) => n + r.moved, 0),
    durationMs: performance.now() - started,
    evaluations: results,
  };
}
