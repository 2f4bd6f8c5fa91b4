/**
 * What the Mini App's JSON API shows (DESIGN.md §12): the same reads the chat's views make, shaped
 * for a page. Amounts are exact decimal strings, formatted here with the symbol's precision (the
 * page never rounds money); chart coordinates are approximate numbers, for drawing only. The
 * chart's view is webapp-chart-view.ts.
 */
import { stepDecimals, tickDecimals } from '../binance/filters.js';
import type { Balance, Order, SymbolInfo, TickerPrice } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { add, div, isPositive, isZero, mul, sub, toApproxNumber } from '../decimal.js';
import { formatAmount, formatQuantity, stripTags } from '../format.js';
import type { EquityReader, LedgerReader, PositionBasis } from '../ledger/ledger-types.js';
import type { AuditLog } from '../trading/audit-log.js';
import type { StopDesk } from '../trading/stops/stop-types.js';

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
        value,
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

/** The symbol's price and quantity decimals (8 each when the symbol is unknown). */
export async function decimalsOf(deps: ViewDeps, symbol: string): Promise<{ price: number; qty: number }> {
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
        time: o.time,
        stopId,
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
        // A plan's stop pending with its LIMIT entry: on the exchange, but neither protecting nor trailing yet.
        status: s.awaitsEntry !== undefined ? 'waits for the entry' : s.status,
        quantityText: formatAmount(s.quantity, d.qty),
        interval: s.interval,
        ...(s.stopPrice !== undefined ? { stopPriceText: formatAmount(s.stopPrice, d.price) } : {}),
        ...(s.entryPrice !== undefined ? { entryPriceText: formatAmount(s.entryPrice, d.price) } : {}),
        ...(s.lastMove ? { lastMoveAt: s.lastMove.at } : {}),
      };
    }),
  );
}

/** Seconds since the epoch: lightweight-charts' UTCTimestamp. */
export const seconds = (ms: number) => Math.floor(ms / 1000);

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
    symbol: r.symbol,
    ...(r.displayName !== undefined ? { who: r.displayName } : r.userId !== undefined ? { who: String(r.userId) } : {}),
    detail: r.detail,
  }));
}
