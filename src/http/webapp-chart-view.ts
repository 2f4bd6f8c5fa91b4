/**
 * The Mini App's chart (DESIGN.md §12): closed candles, their fractals, and each managed stop's
 * path on the symbol, as lightweight-charts draws them. Coordinates are approximate numbers, for
 * drawing only.
 */
import type { KlineInterval } from '../binance/types.js';
import { toApproxNumber } from '../decimal.js';
import { findFractals } from '../market/fractals.js';
import type { AuditRecord } from '../trading/audit-log.js';
import type { ManagedStop } from '../trading/stops/stop-types.js';
import { decimalsOf, seconds, type ViewDeps } from './webapp-views.js';

export interface ChartView {
  symbol: string;
  interval: KlineInterval;
  priceDecimals: number;
  candles: Array<{ time: number; open: number; high: number; low: number; close: number }>;
  fractals: Array<{ time: number; price: number; kind: 'bullish' | 'bearish' }>;
  /** Each managed stop on the symbol: its path (every move, oldest first) and where it is now. */
  stops: Array<{ id: string; kind: string; stopPrice?: number; path: Array<{ time: number; price: number }> }>;
}

/** How far back the audit trail is read for a stop's earlier moves. */
const STOP_HISTORY_ENTRIES = 2_000;

/**
 * A stop's path from the audit trail (armed, placed, moved: "<from> -> <to>") and the stop store
 * (the current stop and its last move). The trail's times are wall-clock, the candles' are the
 * exchange's, and in a replayed market the two differ (PAPER_SPEED): the store knows both for
 * the arming (createdAt, armedAt) and the last move (at, closeTime), so trail times are mapped
 * through those anchors onto the candles' clock. A point still outside the drawn candles is
 * pinned to the nearest edge.
 */
function stopPath(stop: ManagedStop, trail: readonly AuditRecord[], range: { from: number; to: number }): Array<{ time: number; price: number }> {
  const points: Array<{ at: number; price: string }> = [];
  for (const r of trail) {
    if (r.event !== 'stop' || r.intentId !== stop.id || r.detail === undefined) continue;
    const moved = /->\s*([0-9.]+)\s*$/.exec(r.detail);
    const armed = r.outcome === 'armed' ? /([0-9]+(?:\.[0-9]+)?)\s*$/.exec(r.detail) : null;
    const price = moved?.[1] ?? armed?.[1];
    if (price !== undefined) points.push({ at: r.at, price });
  }
  if (stop.stopPrice !== undefined && points.at(-1)?.price !== stop.stopPrice) points.push({ at: stop.lastMove?.at ?? stop.createdAt, price: stop.stopPrice });

  const first = { wall: stop.createdAt, market: stop.armedAt };
  const last = stop.lastMove && stop.lastMove.at > stop.createdAt ? { wall: stop.lastMove.at, market: stop.lastMove.closeTime } : undefined;
  const toMarket = (wall: number) =>
    last ? first.market + ((wall - first.wall) * (last.market - first.market)) / (last.wall - first.wall) : first.market + (wall - first.wall);
  const pinned = points.map((p) => ({ time: Math.min(Math.max(seconds(toMarket(p.at)), range.from), range.to), price: toApproxNumber(p.price) }));
  // One point per time (lightweight-charts wants strictly increasing times): the latest wins.
  const byTime = new Map<number, number>();
  for (const p of pinned) byTime.set(p.time, p.price);
  return [...byTime.entries()].sort(([a], [b]) => a - b).map(([time, price]) => ({ time, price }));
}

export async function chartView(deps: ViewDeps, symbol: string, interval: KlineInterval, limit = 150): Promise<ChartView> {
  const now = (deps.now ?? Date.now)();
  const [klines, d, stops, trail] = await Promise.all([
    deps.exchange.klines(symbol, interval, { limit }),
    decimalsOf(deps, symbol),
    deps.stops ? deps.stops.listStops() : Promise.resolve([]),
    deps.audit.recent(STOP_HISTORY_ENTRIES),
  ]);
  const fractals = findFractals(klines, { now });
  const candles = klines.map((k) => ({ time: seconds(k.openTime), open: toApproxNumber(k.open), high: toApproxNumber(k.high), low: toApproxNumber(k.low), close: toApproxNumber(k.close) }));
  const range = { from: candles[0]?.time ?? seconds(now), to: candles.at(-1)?.time ?? seconds(now) };
  const oldestFirst = [...trail].reverse();
  return {
    symbol,
    interval,
    priceDecimals: d.price,
    candles,
    fractals: [
      ...fractals.bullish.map((f) => ({ time: seconds(f.openTime), price: toApproxNumber(f.price), kind: 'bullish' as const })),
      ...fractals.bearish.map((f) => ({ time: seconds(f.openTime), price: toApproxNumber(f.price), kind: 'bearish' as const })),
    ].sort((a, b) => a.time - b.time),
    stops: stops
      .filter((s) => s.symbol === symbol)
      .map((s) => ({ id: s.id, kind: s.kind, ...(s.stopPrice !== undefined ? { stopPrice: toApproxNumber(s.stopPrice) } : {}), path: stopPath(s, oldestFirst, range) })),
  };
}
