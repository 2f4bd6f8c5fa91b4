/**
 * The account's net value (DESIGN.md §10): every balance, free and locked, valued in
 * VALUATION_ASSET at the last prices, as /balance values them (one GET /api/v3/ticker/price for
 * all symbols, weight 4, and GET /api/v3/account, weight 20).
 *
 * An asset is converted through its own pair with the valuation asset (ETHUSDT), the inverse pair
 * divided (USDTTRY for TRY), or one bridge asset (XYZBTC × BTCUSDT) — the same paths
 * order-value.ts and /balance take. An asset with no path is reported as unpriced and left out
 * of the total, so a view can say the total is partial rather than show a made-up one.
 */
import { add, div, isPositive, mul, normalize, round } from '../decimal.js';
import type { Balance, TickerPrice } from '../binance/types.js';
import type { ExchangeClient } from '../binance/exchange-client.js';

/** Assets tried, in order, as the one hop between an asset and the valuation asset. */
const BRIDGES = ['BTC', 'USDT', 'BNB', 'ETH', 'USDC', 'FDUSD'] as const;
/** Decimals of a value divided by an inverted pair's price, and of a stored net value. */
export const VALUE_DECIMALS = 8;

export interface ValuedAsset {
  asset: string;
  /** Free plus locked. */
  amount: string;
  /** In the valuation asset; undefined when no price path exists. */
  value: string | undefined;
}

export interface NetValue {
  /** Sum of the priced assets, rounded to VALUE_DECIMALS. */
  value: string;
  assets: ValuedAsset[];
  /** Held assets with no price path to the valuation asset (not in `value`). */
  unpriced: string[];
}

export type PriceMap = ReadonlyMap<string, string>;

export const priceMapOf = (tickers: readonly TickerPrice[]): PriceMap => new Map(tickers.map((t) => [t.symbol, t.price]));

/** One unit of `from` in `to` through a direct or inverse pair; undefined without one. */
function pairRate(from: string, to: string, prices: PriceMap): string | undefined {
  if (from === to) return '1';
  const direct = prices.get(`${from}${to}`);
  if (direct !== undefined && isPositive(direct)) return normalize(direct);
  const inverse = prices.get(`${to}${from}`);
  if (inverse !== undefined && isPositive(inverse)) return div('1', inverse, 18);
  return undefined;
}

/** `amount` of `asset` in `valuationAsset`, directly or through one bridge; undefined when no path exists. */
export function valueIn(asset: string, amount: string, valuationAsset: string, prices: PriceMap): string | undefined {
  if (asset === valuationAsset) return normalize(amount);
  const direct = prices.get(`${asset}${valuationAsset}`);
  if (direct !== undefined && isPositive(direct)) return mul(amount, direct);
  const inverse = prices.get(`${valuationAsset}${asset}`);
  if (inverse !== undefined && isPositive(inverse)) return div(amount, inverse, VALUE_DECIMALS + 4);
  for (const bridge of BRIDGES) {
    if (bridge === asset || bridge === valuationAsset) continue;
    const first = pairRate(asset, bridge, prices);
    if (first === undefined) continue;
    const second = pairRate(bridge, valuationAsset, prices);
    if (second === undefined) continue;
    return round(mul(mul(amount, first), second), VALUE_DECIMALS + 4, 'half-up');
  }
  return undefined;
}

export function netValueOf(balances: readonly Balance[], prices: PriceMap, valuationAsset: string): NetValue {
  let total = '0';
  const assets: ValuedAsset[] = [];
  const unpriced: string[] = [];
  for (const balance of balances) {
    const amount = add(balance.free, balance.locked);
    if (!isPositive(amount)) continue;
    const value = valueIn(balance.asset, amount, valuationAsset, prices);
    assets.push({ asset: balance.asset, amount, value });
    if (value === undefined) unpriced.push(balance.asset);
    else total = add(total, value);
  }
  return { value: round(total, VALUE_DECIMALS, 'half-up'), assets, unpriced };
}

export interface NetValueReader {
  /** The account's net value now, with the prices it was read at. */
  read(): Promise<NetValue & { prices: PriceMap }>;
}

/**
 * Reads through `exchange`, which the caller gives at view priority (`withPriority('view')`): a
 * sample or a report gives way to orders and stops when the minute's weight runs short.
 */
export function createNetValueReader(deps: { exchange: Pick<ExchangeClient, 'account' | 'tickerPriceAll'>; valuationAsset: string }): NetValueReader {
  return {
    async read() {
      const [account, tickers] = await Promise.all([deps.exchange.account(), deps.exchange.tickerPriceAll()]);
      const prices = priceMapOf(tickers);
      return { ...netValueOf(account.balances, prices, deps.valuationAsset), prices };
    },
  };
}
