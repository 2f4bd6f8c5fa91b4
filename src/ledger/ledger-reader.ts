/**
 * The ledger as the views read it (LedgerReader, ledger-types.ts): fills with their realized
 * P&L, realized P&L over a span, and the known cost of each holding. No exchange request:
 * everything comes from the stored fills (DESIGN.md §10 "views never re-read history").
 *
 * Each process keeps the replayed basis in memory and looks at the store's stamp (version,
 * generation, log length: one round trip) before a read: unchanged, nothing else is read, and a
 * realized() already answered for the same range is answered again from memory; changed, only
 * the fills stored since (the tail of the ingest log) are fetched, and applied on top when they
 * come after everything held (the usual case: a new fill), else the basis is replayed from the
 * start (a late fill of an earlier time, found by a sync). A rebuild (a new generation) starts over.
 */
import { div, isPositive, isZero, normalize } from '../decimal.js';
import type { AssetRealized, FillQuery, LedgerFill, LedgerReader, PositionBasis, RealizedSummary } from './ledger-types.js';
import { BASIS_DECIMALS, compareFills, createBasis, fillKey, replayFills, type Basis, type StoredFill } from './ledger-basis.js';
import type { LedgerStore } from './ledger-store.js';

export interface LedgerView {
  version: number;
  /** In replay order (oldest first). */
  fills: readonly StoredFill[];
  basis: Basis;
}

export interface Ledger extends LedgerReader {
  /** The current replayed state (read-only): for views that need more than the reader's three questions. */
  view(): Promise<LedgerView>;
  /** Stored fills in all. */
  count(): Promise<number>;
}

export function createLedgerReader(deps: { store: LedgerStore; valuationAsset: string }): Ledger {
  let state: { version: number; generation: string; logLength: number; fills: StoredFill[]; basis: Basis } = {
    version: -1,
    generation: '',
    logLength: 0,
    fills: [],
    basis: createBasis(deps.valuationAsset),
  };
  let inFlight: Promise<LedgerView> | undefined;
  /** realized() answers of the current state, by the index ranges they cover. */
  let memo = new Map<string, RealizedSummary>();

  async function refresh(): Promise<LedgerView> {
    const stamp = await deps.store.stamp();
    if (stamp.version === state.version && stamp.generation === state.generation) return state;
    let { fills, basis } = state;
    let from = state.logLength;
    if (stamp.generation !== state.generation || stamp.logLength < state.logLength) {
      fills = [];
      basis = createBasis(deps.valuationAsset);
      from = 0;
    }
    const missing = await deps.store.logSince(from);
    const fresh = (await deps.store.get(missing)).filter((f): f is StoredFill => f !== undefined).sort(compareFills);
    const last = fills[fills.length - 1];
    if (fresh.length > 0) {
      if (last === undefined || compareFills(fresh[0]!, last) > 0) {
        fills = fills === state.fills ? [...fills] : fills;
        for (const f of fresh) {
          basis.apply(f);
          fills.push(f);
        }
      } else {
        fills = [...fills, ...fresh].sort(compareFills);
        basis = replayFills(fills, deps.valuationAsset);
      }
    }
    state = { version: stamp.version, generation: stamp.generation, logLength: from + missing.length, fills, basis };
    memo = new Map();
    return state;
  }

  function current(): Promise<LedgerView> {
    inFlight ??= refresh().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const matches = (f: StoredFill, symbol: string | undefined) => symbol === undefined || f.symbol === symbol || f.baseAsset === symbol;

  return {
    view: current,
    count: () => deps.store.count(),
    async fills(query: FillQuery): Promise<LedgerFill[]> {
      const { fills, basis } = await current();
      const out: LedgerFill[] = [];
      const limit = query.limit ?? Infinity;
      for (let i = fills.length - 1; i >= 0 && out.length < limit; i--) {
        const f = fills[i]!;
        if (query.toMs !== undefined && f.time >= query.toMs) continue;
        if (query.fromMs !== undefined && f.time < query.fromMs) break;
        if (!matches(f, query.symbol)) continue;
        const result = basis.results.get(fillKey(f));
        out.push({
          symbol: f.symbol,
          tradeId: f.tradeId,
          orderId: f.orderId,
          side: f.side,
          price: f.price,
          qty: f.qty,
          quoteQty: f.quoteQty,
          commission: f.commission,
          commissionAsset: f.commissionAsset,
          time: f.time,
          isMaker: f.isMaker,
          ...(result?.realizedPnl !== undefined ? { realizedPnl: result.realizedPnl } : {}),
          ...(result?.unknownQty !== undefined ? { unknownQty: result.unknownQty } : {}),
        });
      }
      return out;
    },
    async realized(fromMs, toMs, symbol): Promise<RealizedSummary> {
      const { fills, basis } = await current();
      const events = basis.realizations;
      const [e0, e1, f0, f1] = [firstAtOrAfter(events, fromMs), firstAtOrAfter(events, toMs), firstAtOrAfter(fills, fromMs), firstAtOrAfter(fills, toMs)];
      const key = `${e0}:${e1}:${f0}:${f1}:${symbol ?? ''}`;
      const known = memo.get(key);
      if (known) return known;
      const perAsset = new Map<string, { units: bigint; unknownBasis: boolean }>();
      let total = 0n;
      let unknownBasis = false;
      for (let i = e0; i < e1; i++) {
        const r = events[i]!;
        if (symbol !== undefined && r.symbol !== symbol && r.asset !== symbol) continue;
        const row = perAsset.get(r.asset) ?? { units: 0n, unknownBasis: false };
        if (r.pnl !== undefined) {
          const units = unitsOf(r);
          row.units += units;
          total += units;
        }
        if (r.unknownQty !== undefined) {
          row.unknownBasis = true;
          unknownBasis = true;
        }
        perAsset.set(r.asset, row);
      }
      let trades = 0;
      for (let i = f0; i < f1; i++) if (matches(fills[i]!, symbol)) trades += 1;
      const byAsset: AssetRealized[] = [...perAsset].map(([asset, r]) => ({ asset, realized: fromUnits(r.units), unknownBasis: r.unknownBasis }));
      const summary = { realized: fromUnits(total), trades, unknownBasis, byAsset };
      memo.set(key, summary);
      return summary;
    },
    async positions(): Promise<PositionBasis[]> {
      const { basis } = await current();
      const out: PositionBasis[] = [];
      for (const [asset, book] of basis.books) {
        if (!isPositive(book.qty)) continue;
        out.push({
          asset,
          knownQuantity: normalize(book.qty),
          costBasis: normalize(book.cost, { allowNegative: true }),
          ...(isZero(book.qty) ? {} : { averageEntry: normalize(div(book.cost, book.qty, BASIS_DECIMALS, 'half-up'), { allowNegative: true }) }),
        });
      }
      return out.sort((a, b) => a.asset.localeCompare(b.asset));
    },
  };
}

/** Sums run on bigints scaled by 10^36: a P&L has at most 18 + 8 + 8 decimals (a rate, a quantity, a price). */
const SCALE = 36;
const units = new WeakMap<object, bigint>();

function unitsOf(r: { pnl?: string }): bigint {
  let u = units.get(r);
  if (u === undefined) {
    const v = r.pnl!;
    const negative = v.startsWith('-');
    const [int = '0', frac = ''] = (negative ? v.slice(1) : v).split('.');
    u = BigInt(int + frac.padEnd(SCALE, '0').slice(0, SCALE)) * (negative ? -1n : 1n);
    units.set(r, u);
  }
  return u;
}

function fromUnits(u: bigint): string {
  const negative = u < 0n;
  const digits = (negative ? -u : u).toString().padStart(SCALE + 1, '0');
  return normalize(`${negative ? '-' : ''}${digits.slice(0, -SCALE)}.${digits.slice(-SCALE)}`, { allowNegative: true });
}

/** Index of the first element with time >= t (binary search; elements in time order). */
function firstAtOrAfter(list: ReadonlyArray<{ time: number }>, t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
