/**
 * The ledger as the views read it (LedgerReader, ledger-types.ts): fills with their realized
 * P&L, realized P&L over a span, and the known cost of each holding. No exchange request:
 * everything comes from the stored fills (DESIGN.md §10 "views never re-read history").
 *
 * Each process keeps the replayed basis in memory and looks at the store's version before a
 * read: unchanged, nothing is read but that number; changed, only the fills it does not hold are
 * fetched, and applied on top when they come after everything held (the usual case: a new fill),
 * else the basis is replayed from the start (a late fill of an earlier time, found by a sync). A
 * fill gone from the store (a rebuild) starts over.
 */
import { add, div, isPositive, isZero, normalize } from '../decimal.js';
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
  let state: { version: number; fills: StoredFill[]; keys: Set<string>; basis: Basis } = {
    version: -1,
    fills: [],
    keys: new Set(),
    basis: createBasis(deps.valuationAsset),
  };
  let inFlight: Promise<LedgerView> | undefined;

  async function refresh(): Promise<LedgerView> {
    const version = await deps.store.version();
    if (version === state.version) return state;
    const members = await deps.store.members();
    const present = new Set(members);
    let { fills, keys, basis } = state;
    if ([...keys].some((k) => !present.has(k))) {
      fills = [];
      keys = new Set();
      basis = createBasis(deps.valuationAsset);
    }
    const missing = members.filter((m) => !keys.has(m));
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
      keys = new Set([...keys, ...fresh.map(fillKey)]);
    }
    state = { version, fills, keys, basis };
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
      const perAsset = new Map<string, AssetRealized>();
      let total = '0';
      let unknownBasis = false;
      const events = basis.realizations;
      for (let i = firstAtOrAfter(events, fromMs); i < events.length; i++) {
        const r = events[i]!;
        if (r.time >= toMs) break;
        if (symbol !== undefined && r.symbol !== symbol && r.asset !== symbol) continue;
        const row = perAsset.get(r.asset) ?? { asset: r.asset, realized: '0', unknownBasis: false };
        if (r.pnl !== undefined) {
          row.realized = add(row.realized, r.pnl);
          total = add(total, r.pnl);
        }
        if (r.unknownQty !== undefined) {
          row.unknownBasis = true;
          unknownBasis = true;
        }
        perAsset.set(r.asset, row);
      }
      let trades = 0;
      for (let i = firstAtOrAfter(fills, fromMs); i < fills.length; i++) {
        const f = fills[i]!;
        if (f.time >= toMs) break;
        if (matches(f, symbol)) trades += 1;
      }
      const byAsset = [...perAsset.values()].map((r) => ({ ...r, realized: normalize(r.realized, { allowNegative: true }) }));
      return { realized: normalize(total, { allowNegative: true }), trades, unknownBasis, byAsset };
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
