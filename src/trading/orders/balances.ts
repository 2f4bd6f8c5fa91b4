/**
 * What the account says about one asset when an order or a stop is priced: its free and locked
 * balances, and the taker fee rate (the worst case for a LIMIT that crosses).
 */
import { isDecimal, normalize } from '../../decimal.js';
import type { Account } from '../../binance/types.js';

export function freeOf(account: Account, asset: string): string {
  const balance = account.balances.find((b) => b.asset === asset);
  return balance ? normalize(balance.free) : '0';
}

export function lockedOf(account: Account, asset: string): string {
  const balance = account.balances.find((b) => b.asset === asset);
  return balance ? normalize(balance.locked) : '0';
}

/** The taker rate (the worst case for a LIMIT that crosses), from the account when it says. */
export function feeRateOf(account: Account, fallback: string): string {
  const taker = account.commissionRates?.taker;
  if (taker !== undefined && isDecimal(taker)) return normalize(taker);
  return fallback;
}
