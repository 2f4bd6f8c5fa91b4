/**
 * Values in VALUATION_ASSET (DESIGN.md §3) from one request for every last price: the account's net
 * value (what `risk=1%` is one per cent of) and the conversions between a pair's quote and the
 * valuation asset. An asset is valued through its own pair with the valuation asset (BTCUSDT), or
 * the inverse pair divided (USDTBRL); an asset with neither is left out of the net value, and the
 * card names it.
 */
import { add, div, isPositive, mul, normalize } from '../../decimal.js';
import type { Account, TickerPrice } from '../../binance/types.js';

export interface Valuer {
  readonly asset: string;
  /** `amount` of `asset` in the valuation asset; undefined without a pair. */
  value(asset: string, amount: string): string | undefined;
  /** `value` of the valuation asset in `asset`; undefined without a pair. */
  inAsset(asset: string, value: string): string | undefined;
  /** Free plus locked of every balance, valued; the assets that could not be. */
  netValue(account: Account): { value: string; unvalued: string[] };
}

const DECIMALS = 12;

export function createValuer(valuationAsset: string, prices: readonly TickerPrice[]): Valuer {
  const last = new Map(prices.map((p) => [p.symbol, normalize(p.price)]));
  const rate = (asset: string): { price: string; inverted: boolean } | undefined => {
    const direct = last.get(`${asset}${valuationAsset}`);
    if (direct !== undefined && isPositive(direct)) return { price: direct, inverted: false };
    const inverse = last.get(`${valuationAsset}${asset}`);
    if (inverse !== undefined && isPositive(inverse)) return { price: inverse, inverted: true };
    return undefined;
  };
  const value = (asset: string, amount: string): string | undefined => {
    if (asset === valuationAsset) return normalize(amount);
    const r = rate(asset);
    if (!r) return undefined;
    return r.inverted ? div(amount, r.price, DECIMALS, 'down') : mul(amount, r.price);
  };
  return {
    asset: valuationAsset,
    value,
    inAsset(asset, amount) {
      if (asset === valuationAsset) return normalize(amount);
      const r = rate(asset);
      if (!r) return undefined;
      return r.inverted ? mul(amount, r.price) : div(amount, r.price, DECIMALS, 'down');
    },
    netValue(account) {
      let total = '0';
      const unvalued: string[] = [];
      for (const b of account.balances) {
        const amount = add(b.free, b.locked);
        if (!isPositive(amount)) continue;
        const v = value(b.asset, amount);
        if (v === undefined) unvalued.push(b.asset);
        else total = add(total, v);
      }
      return { value: total, unvalued };
    },
  };
}
