/**
 * The daily summary `/report` pushes (DESIGN.md §2): net value and its change over 24 h, realized
 * P&L over the same 24 h, positions valued now against their known cost, managed stops, and the
 * alerts fired when a counter is wired in (`alertsFired`, optional: the line is left out without
 * one rather than showing a guess).
 *
 * Each part is gathered on its own: one that fails says so on its line and the rest still shows.
 */
import { div, isPositive, isZero, mul, sub } from '../decimal.js';
import { userMessageOf } from '../errors.js';
import { escapeHtml, formatAmount, formatPercent, formatQuantity, formatUtc } from '../format.js';
import type { EquityStore } from './equity-store.js';
import { valueIn, type NetValueReader, type PriceMap } from './equity-valuation.js';
import type { LedgerReader, PositionBasis } from './ledger-types.js';

const DAY_MS = 86_400_000;

/** A managed stop as the report lists it (src/trading/stops ManagedStop has these fields). */
export interface ReportStop {
  symbol: string;
  kind: string;
  quantity: string;
  stopPrice?: string;
  status: string;
}

export interface ReportSources {
  valuationAsset: string;
  netValue: NetValueReader;
  equity: EquityStore;
  /** Undefined until the fills ledger is wired: realized P&L and positions then say so. */
  ledger?: LedgerReader;
  stops?: () => Promise<readonly ReportStop[]>;
  /** Alerts fired for this user in [fromMs, toMs); undefined when not counted. */
  alertsFired?: (userId: number, fromMs: number, toMs: number) => Promise<number | undefined>;
}

/** Decimals a value in the valuation asset is shown with: 2 for money, more for coins used as one. */
export function valueDecimals(asset: string): number {
  if (asset === 'BTC') return 8;
  if (asset === 'ETH') return 6;
  if (asset === 'BNB') return 4;
  return 2;
}

/** "+1,234.56 USDT", "−12.00 USDT". */
export function signedMoney(value: string, asset: string): string {
  const negative = value.startsWith('-') && !isZero(value);
  return `${negative ? '−' : '+'}${formatAmount(value.replace(/^-/, ''), valueDecimals(asset))} ${escapeHtml(asset)}`;
}

export const money = (value: string, asset: string): string => `${formatAmount(value, valueDecimals(asset))} ${escapeHtml(asset)}`;

const failed = (error: unknown) => `unavailable (${escapeHtml(userMessageOf(error))})`;

async function part(run: () => Promise<string[]>): Promise<string[]> {
  try {
    return await run();
  } catch (error) {
    return [failed(error)];
  }
}

function positionLines(positions: readonly PositionBasis[], prices: PriceMap, asset: string): string[] {
  const held = positions.filter((p) => isPositive(p.knownQuantity));
  if (held.length === 0) return ['No positions with a known entry.'];
  return held.map((p) => {
    const value = valueIn(p.asset, p.knownQuantity, asset, prices);
    const head = `${escapeHtml(p.asset)} ${formatQuantity(p.knownQuantity)}`;
    if (value === undefined) return `${head} · no ${escapeHtml(asset)} price`;
    const pnl = sub(value, p.costBasis);
    const pct = isPositive(p.costBasis) ? ` (${formatPercent(div(mul(pnl, '100'), p.costBasis, 2, 'half-up'))})` : '';
    const entry = p.averageEntry !== undefined ? ` · entry ${formatQuantity(p.averageEntry)}` : '';
    return `${head} · ${money(value, asset)}${entry} · ${signedMoney(pnl, asset)}${pct}`;
  });
}

export async function buildDailyReport(sources: ReportSources, userId: number, nowMs: number): Promise<string> {
  const asset = sources.valuationAsset;
  const from = nowMs - DAY_MS;
  const net = sources.netValue.read();
  // The value line and the positions share one read of the account and the prices.
  const netValue = part(async () => {
    // The exchange may refuse the read (the minute's weight kept for trading): the newest sample
    // stands in, with its time, rather than a report without its first line.
    let value: string;
    let note: string | undefined;
    let unpriced: readonly string[] = [];
    try {
      const current = await net;
      value = current.value;
      unpriced = current.unpriced;
    } catch (error) {
      const latest = await sources.equity.latest(nowMs);
      if (!latest) throw error;
      value = latest.value;
      note = `as sampled ${formatUtc(latest.time)}; the exchange could not be read just now`;
    }
    const dayAgo = await sources.equity.latest(from);
    const lines = [`Net value: <b>${money(value, asset)}</b>${note ? ` (${note})` : ''}`];
    if (dayAgo && isPositive(dayAgo.value)) {
      const change = sub(value, dayAgo.value);
      lines.push(`24h: ${signedMoney(change, asset)} (${formatPercent(div(mul(change, '100'), dayAgo.value, 2, 'half-up'))}) since ${formatUtc(dayAgo.time)}`);
    } else lines.push('24h: no sample from a day ago yet.');
    if (unpriced.length > 0) lines.push(`Not counted (no ${escapeHtml(asset)} price): ${unpriced.map(escapeHtml).join(', ')}`);
    return lines;
  });
  const realized = part(async () => {
    if (!sources.ledger) return ['Realized P&amp;L: not available (the fills ledger is not connected).'];
    const r = await sources.ledger.realized(from, nowMs);
    const note = r.unknownBasis ? ' · some sells had no known entry and are left out' : '';
    return [`Realized P&amp;L (24h): <b>${signedMoney(r.realized, asset)}</b> · ${r.trades} trade${r.trades === 1 ? '' : 's'}${note}`];
  });
  const positions = part(async () => {
    if (!sources.ledger) return [];
    const [basis, current] = await Promise.all([sources.ledger.positions(), net]);
    return ['', '<b>Positions</b>', ...positionLines(basis, current.prices, asset)];
  });
  const stops = part(async () => {
    if (!sources.stops) return [];
    const list = await sources.stops();
    if (list.length === 0) return ['', '<b>Stops</b>', 'No managed stops.'];
    return [
      '',
      '<b>Stops</b>',
      ...list.map((s) => `${escapeHtml(s.symbol)} · ${escapeHtml(s.kind)} · ${formatQuantity(s.quantity)} · ${s.stopPrice !== undefined ? `stop ${formatQuantity(s.stopPrice)}` : 'no stop price yet'} · ${escapeHtml(s.status)}`),
    ];
  });
  const alerts = part(async () => {
    const count = await sources.alertsFired?.(userId, from, nowMs);
    return count === undefined ? [] : ['', `Alerts fired (24h): ${count}`];
  });
  const lines = [`<b>Daily report · ${formatUtc(nowMs)}</b>`, '', ...(await netValue), ...(await realized), ...(await positions), ...(await stops), ...(await alerts)];
  return lines.join('\n');
}
