/**
 * What the Mini App's JSON API shows (DESIGN.md §12): the same reads the chat's views make, shaped
 * for a page. Amounts are exact decimal strings, formatted here with the symbol's precision (the
 * page never rounds money); chart coordinates are approximate numbers, for drawing only.
 */
import { stepDecimals, tickDecimals } from '../binance/filters.js';
import type { Balance, KlineInterval, Order, SymbolInfo, TickerPrice } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { add, div, isPositive, isZero, mul, sub, toApproxNumber } from '../decimal.js';
import { formatAmount, formatQuantity, stripTags } from '../format.js';
import type { EquityReader, LedgerReader, PositionBasis } from '../ledger/ledger-types.js';
import { findFractals } from '../market/fractals.js';
import type { AuditLog, AuditRecord } from '../trading/audit-log.js';
import type { ManagedStop, StopDesk } from '../trading/stops/stop-types.js';

export interface ViewDeps {
  /** Reads paid from the asking trader's share (the bot's metered view client). */
  exchange: Pick<ExchangeClient, 'account' | 'openOrders' | 'klines' | 'tickerPriceAll'>;
  symbols: { symbol(name: string): Promise<SymbolInfo | undefined> };
  audit: Pick<AuditLog, 'recent'>;
  /** VALUATION_ASSET. */
  valuationAsset: string;
  stops?: Pick<StopDesk, 'listStops'>;
  /** P&L columns of the portfolio (src/ledger); absent: the page shows values only. */
  ledger?: Pick<LedgerReader, 'positions'>;
  /** The net value chart (src/ledger equity samples); absent: the page says it is not recorded. */
  equity?: EquityReader;
  now?: () => number;
}

/** Telegram HTML (a card, a reply) as plain text for the page, which shows it as text, never as HTML. */
export function plainText(html: string): string {
  return stripTags(html).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** An asset's value in `target`: directly, through the inverse pair, or through BTC. */
export function valueIn(target: string, asset: string, amount: string, prices: ReadonlyMap<string, string>): string | undefined {
  if (asset === target) return amount;
  const direct = prices.get(`${asset}${target}`);
  if (direct !== undefined && isPositive(direct)) return mul(amount, direct);
  const inverse = prices.get(`${target}${asset}`);
  if (inverse !== undefined && isPositive(inverse)) return div(amount, inverse, 8);
  if (asset !== 'BTC' && target !== 'BTC') {
    const viaBtc = prices.get(`${asset}BTC`);
    const btc = valueIn(target, 'BTC', '1', prices);
    if (viaBtc !== undefined && btc !== undefined) return mul(mul(amount, viaBtc), btc);
  }
  return undefined;
}

export interface PortfolioRow {
  asset: string;
  free: string;
  locked: string;
  total: string;
  /** In VALUATION_ASSET; absent when no price path exists. */
  value?: string;
  valueText: string;
  totalText: string;
  /** Present when some of it is locked in open orders. */
  lockedText?: string;
  /** From the ledger, for the quantity whose entry it knows. */
  averageEntry?: string;
  averageEntryText?: string;
  unrealized?: string;
  unrealizedText?: string;
  /** Part of the holding bought before the ledger's first fill: its entry is unknown. */
  unknownEntry?: boolean;
}

export interface Portfolio {
  valuationAsset: string;
  rows: PortfolioRow[];
  total: string;
  totalText: string;
  /** Assets that could not be valued (left out of the total). */
  unvalued: string[];
  pnl: boolean;
}

const money = (value: string) => formatAmount(value, 2);
const signed = (value: string) => `${isPositive(value) ? '+' : ''}${money(value)}`;

export async function portfolioView(deps: ViewDeps): Promise<Portfolio> {
  const [account, tickers, positions] = await Promise.all([
    deps.exchange.account(),
    deps.exchange.tickerPriceAll(),
    deps.ledger ? deps.ledger.positions() : Promise.resolve(undefined),
  ]);
  const prices = new Map(tickers.map((t: TickerPrice) => [t.symbol, t.price]));
  const bases = new Map((positions ?? []).map((p: PositionBasis) => [p.asset, p]));
  const target = deps.valuationAsset;
  let total = '0';
  const unvalued: string[] = [];
  const rows = account.balances
    .map((b: Balance) => ({ ...b, total: add(b.free, b.locked) }))
    .filter((b) => isPositive(b.total))
    .map((b): PortfolioRow => {
      const value = valueIn(target, b.asset, b.total, prices);
      if (value === undefined) unvalued.push(b.asset);
      else total = add(total, value);
      const row: PortfolioRow = {
        asset: b.asset,
        free: b.free,
        locked: b.locked,
        total: b.total,
        totalText: formatQuantity(b.total),
        ...(isPositive(b.locked) ? { lockedText: formatQuantity(b.locked) } : {}),
        valueText: value === undefined ? '—' : money(value),
        ...(value !== undefined ? { value } : {}),
      };
      const basis = bases.get(b.asset);
      if (deps.ledger && b.asset !== target) {
        if (basis?.averageEntry !== undefined && isPositive(basis.knownQuantity) && value !== undefined) {
          const unit = div(value, b.total, 12);
          const unrealized = sub(mul(basis.knownQuantity, unit), basis.costBasis);
          row.averageEntry = basis.averageEntry;
          row.averageEntryText = money(basis.averageEntry);
          row.unrealized = unrealized;
          row.unrealizedText = signed(unrealized);
        }
        row.unknownEntry = !basis || isZero(basis.knownQuantity) || isPositive(sub(b.total, basis.knownQuantity));
      }
      return row;
    })
    .sort((a, b) => (b.value !== undefined ? toApproxNumber(b.value) : -1) - (a.value !== undefined ? toApproxNumber(a.value) : -1));
  return { valuationAsset: target, rows, total, totalText: money(total), unvalued, pnl: deps.ledger !== undefined };
}

export interface OrderRow {
  symbol: string;
  orderId: number;
  side: string;
  type: string;
  status: string;
  priceText?: string;
  stopPriceText?: string;
  quantityText: string;
  filledText: string;
  time?: number;
  /** Held by a managed stop: cancelling it removes the stop too. */
  stopId?: string;
}

async function decimalsOf(deps: ViewDeps, symbol: string): Promise<{ price: number; qty: number }> {
  const info = await deps.symbols.symbol(symbol).catch(() => undefined);
  return info ? { price: tickDecimals(info), qty: stepDecimals(info) } : { price: 8, qty: 8 };
}

export async function ordersView(deps: ViewDeps): Promise<OrderRow[]> {
  const [orders, stops] = await Promise.all([deps.exchange.openOrders(), deps.stops ? deps.stops.listStops() : Promise.resolve([])]);
  const stopOf = new Map<number, string>();
  for (const stop of stops) if (stop.orderId !== undefined) stopOf.set(stop.orderId, stop.id);
  const sorted = [...orders].sort((a: Order, b: Order) => (b.time ?? 0) - (a.time ?? 0));
  return Promise.all(
    sorted.map(async (o): Promise<OrderRow> => {
      const d = await decimalsOf(deps, o.symbol);
      const stopId = stopOf.get(o.orderId);
      return {
        symbol: o.symbol,
        orderId: o.orderId,
        side: o.side,
        type: o.type,
        status: o.status,
        quantityText: formatAmount(o.origQty, d.qty),
        filledText: formatAmount(o.executedQty, d.qty),
        ...(isPositive(o.price) ? { priceText: formatAmount(o.price, d.price) } : {}),
        ...(o.stopPrice !== undefined && isPositive(o.stopPrice) ? { stopPriceText: formatAmount(o.stopPrice, d.price) } : {}),
        ...(o.time !== undefined ? { time: o.time } : {}),
        ...(stopId !== undefined ? { stopId } : {}),
      };
    }),
  );
}

export interface StopRow {
  id: string;
  symbol: string;
  kind: string;
  interval?: string;
  status: string;
  quantityText: string;
  stopPriceText?: string;
  entryPriceText?: string;
  lastMoveAt?: number;
}

export async function stopsView(deps: ViewDeps): Promise<StopRow[]> {
  const stops = deps.stops ? await deps.stops.listStops() : [];
  return Promise.all(
    stops.map(async (s): Promise<StopRow> => {
      const d = await decimalsOf(deps, s.symbol);
      return {
        id: s.id,
        symbol: s.symbol,
        kind: s.kind,
        status: s.status,
        quantityText: formatAmount(s.quantity, d.qty),
        ...(s.interval !== undefined ? { interval: s.interval } : {}),
        ...(s.stopPrice !== undefined ? { stopPriceText: formatAmount(s.stopPrice, d.price) } : {}),
        ...(s.entryPrice !== undefined ? { entryPriceText: formatAmount(s.entryPrice, d.price) } : {}),
        ...(s.lastMove ? { lastMoveAt: s.lastMove.at } : {}),
      };
    }),
  );
}

/** Seconds since the epoch: lightweight-charts' UTCTimestamp. */
const seconds = (ms: number) => Math.floor(ms / 1000);

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

export interface EquityView {
  available: boolean;
  valuationAsset: string;
  points: Array<{ time: number; value: number }>;
  /** The newest sample, exact. */
  lastText?: string;
}

export async function equityView(deps: ViewDeps, days: number): Promise<EquityView> {
  if (!deps.equity) return { available: false, valuationAsset: deps.valuationAsset, points: [] };
  const now = (deps.now ?? Date.now)();
  const samples = await deps.equity.samples(now - days * 86_400_000, now + 1);
  const last = samples.at(-1);
  return {
    available: true,
    valuationAsset: deps.valuationAsset,
    points: samples.map((s) => ({ time: seconds(s.time), value: toApproxNumber(s.value) })),
    ...(last ? { lastText: money(last.value) } : {}),
  };
}

export interface ActivityRow {
  at: number;
  event: string;
  outcome: string;
  symbol?: string;
  who?: string;
  detail?: string;
}

export async function activityView(deps: ViewDeps, count = 50): Promise<ActivityRow[]> {
  const records = await deps.audit.recent(count);
  return records.map((r) => ({
    at: r.at,
    event: r.event,
    outcome: r.outcome,
    ...(r.symbol !== undefined ? { symbol: r.symbol } : {}),
    ...(r.displayName !== undefined ? { who: r.displayName } : r.userId !== undefined ? { who: String(r.userId) } : {}),
    ...(r.detail !== undefined ? { detail: r.detail } : {}),
  }));
}
