/**
 * What /positions, /pnl and /trades share: amounts in VALUATION_ASSET with a sign, prices at the
 * precision of the asset's pair with it, and the sentence for holdings without a known entry.
 */
import { isPositive, isZero } from '../../decimal.js';
import { escapeHtml, formatAmount, formatAssetAmount, formatPercent, formatQuantity } from '../../format.js';
import { tickDecimals } from '../../binance/filters.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { BotDeps } from '../bot-deps.js';
import { argumentError, quoteInput } from '../command-args.js';
import type { CommandSpec } from './feature.js';

export const valuationAssetOf = (deps: BotDeps): string => deps.settings.valuationAsset ?? 'USDT';

/** "+12.50 USDT", "−3.10 USDT", "0.00 USDT". */
export function signedMoney(value: string, asset: string): string {
  const text = formatAssetAmount(value.replace(/^-/, ''), asset);
  if (value.startsWith('-') && !/^0(\.0+)? /.test(text)) return `−${escapeHtml(text)}`;
  return isPositive(value) && !/^0(\.0+)? /.test(text) ? `+${escapeHtml(text)}` : escapeHtml(text);
}

export const money = (value: string, asset: string): string => escapeHtml(formatAssetAmount(value, asset));

export const percent = (value: string | undefined): string => (value === undefined ? '' : formatPercent(value));

/** The tick decimals of ASSET/V for each asset (exchange-info cache: no request once loaded). */
export async function tickDecimalsOf(deps: BotDeps, assets: Iterable<string>, v: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const asset of new Set(assets)) {
    const info: SymbolInfo | undefined = await deps.exchangeInfo.symbol(`${asset}${v}`).catch(() => undefined);
    if (info && info.baseAsset === asset) out.set(asset, tickDecimals(info));
  }
  return out;
}

export function formatPriceIn(ticks: ReadonlyMap<string, number>, asset: string, price: string): string {
  const decimals = ticks.get(asset);
  return decimals === undefined ? formatQuantity(price, 8) : formatAmount(price, decimals);
}

export function unknownEntryText(quantity: string, asset: string): string {
  return isZero(quantity) ? '' : `entry unknown for ${escapeHtml(formatQuantity(quantity))} ${escapeHtml(asset)} (deposit or history before the first fill seen)`;
}

/**
 * A /pnl or /trades filter: a pair the exchange lists (BTCUSDT) or an asset it trades (BTC);
 * anything else is refused with the usage line rather than answered with an empty view.
 */
export async function checkFilter(deps: BotDeps, spec: CommandSpec, filter: string): Promise<void> {
  const v = valuationAssetOf(deps);
  const known = async (name: string) => (await deps.exchangeInfo.symbol(name).catch(() => undefined)) !== undefined;
  if (filter === v || (await known(filter))) return;
  for (const quote of [v, 'USDT', 'BTC']) {
    if ((await known(`${filter}${quote}`)) || (await known(`${quote}${filter}`))) return;
  }
  throw argumentError(spec, `"${quoteInput(filter)}" is neither a symbol nor an asset the exchange trades.`);
}
