/**
 * Holdings valued now in VALUATION_ASSET (V), for /positions and /pnl's unrealized P&L: the
 * ledger's known cost against the last prices (one GET /api/v3/ticker/price for all symbols).
 *
 * The known part of a holding is what the ledger saw come in, capped by what the account holds
 * now; its cost is the ledger's cost of that part (pro rata when the account holds less than the
 * ledger knows of: a withdrawal the ledger cannot see). The rest of the holding has no known
 * entry, and has no unrealized P&L.
 */
import { add, div, eq, gt, isPositive, isZero, lt, mul, normalize, sub } from '../decimal.js';
import type { Balance } from '../binance/types.js';
import { BASIS_DECIMALS } from './ledger-basis.js';
import type { PositionBasis } from './ledger-types.js';

/** V per unit of `asset` at the last prices: ASSET/V, 1 ÷ V/ASSET, or through BTC; undefined when none. */
export function lastPriceIn(asset: string, v: string, prices: ReadonlyMap<string, string>): string | undefined {
  if (asset === v) return '1';
  const direct = prices.get(`${asset}${v}`);
  if (direct !== undefined && isPositive(direct)) return normalize(direct);
  const inverse = prices.get(`${v}${asset}`);
  if (inverse !== undefined && isPositive(inverse)) return normalize(div('1', inverse, BASIS_DECIMALS, 'half-up'));
  if (asset === 'BTC' || v === 'BTC') return undefined;
  const viaBtc = prices.get(`${asset}BTC`);
  const btc = lastPriceIn('BTC', v, prices);
  return viaBtc !== undefined && btc !== undefined && isPositive(viaBtc) ? normalize(mul(viaBtc, btc)) : undefined;
}

export interface ValuedHolding {
  asset: string;
  /** Free + locked now. */
  quantity: string;
  /** Part of `quantity` with a known entry. */
  knownQuantity: string;
  /** `quantity` − `knownQuantity`: deposits, history before the ledger's first fill. */
  unknownQuantity: string;
  averageEntry?: string;
  /** Cost of the known part in V. */
  cost: string;
  /** V per unit now; undefined when no price converts it. */
  lastPrice?: string;
  value?: string;
  /** Known part's value − its cost; undefined without a price or a known part. */
  unrealized?: string;
  /** (last − entry) ÷ entry × 100. */
  changePct?: string;
}

export function valueHoldings(
  balances: readonly Balance[],
  bases: readonly PositionBasis[],
  prices: ReadonlyMap<string, string>,
  v: string,
): ValuedHolding[] {
  const byAsset = new Map(bases.map((b) => [b.asset, b]));
  const out: ValuedHolding[] = [];
  for (const b of balances) {
    const quantity = normalize(add(b.free, b.locked));
    if (!isPositive(quantity) || b.asset === v) continue;
    out.push(valueHolding(b.asset, quantity, byAsset.get(b.asset), prices, v));
  }
  return out.sort((a, b) => (a.value !== undefined && b.value !== undefined ? (gt(a.value, b.value) ? -1 : lt(a.value, b.value) ? 1 : 0) : a.value === undefined ? 1 : -1));
}

export function valueHolding(asset: string, quantity: string, basis: PositionBasis | undefined, prices: ReadonlyMap<string, string>, v: string): ValuedHolding {
  const ledgerQty = basis?.knownQuantity ?? '0';
  const known = lt(ledgerQty, quantity) ? ledgerQty : quantity;
  const cost = !basis || isZero(known) ? '0' : eq(known, ledgerQty) ? basis.costBasis : div(mul(basis.costBasis, known), ledgerQty, BASIS_DECIMALS, 'half-up');
  const lastPrice = lastPriceIn(asset, v, prices);
  const row: ValuedHolding = {
    asset,
    quantity,
    knownQuantity: normalize(known),
    unknownQuantity: normalize(sub(quantity, known)),
    cost: normalize(cost, { allowNegative: true }),
    ...(basis?.averageEntry !== undefined && isPositive(known) ? { averageEntry: basis.averageEntry } : {}),
  };
  if (lastPrice !== undefined) {
    row.lastPrice = lastPrice;
    row.value = normalize(mul(quantity, lastPrice));
    if (isPositive(known)) {
      row.unrealized = normalize(sub(mul(known, lastPrice), cost), { allowNegative: true });
      if (row.averageEntry !== undefined && isPositive(row.averageEntry)) {
        row.changePct = div(mul(sub(lastPrice, row.averageEntry), '100'), row.averageEntry, 4, 'half-up');
      }
    }
  }
  return row;
}
