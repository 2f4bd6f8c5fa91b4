/**
 * The paper account's balances: `free` and `locked` per asset, as GET /api/v3/account reports them.
 * Amounts are canonical decimal strings (src/decimal.ts); the REST layer pads them to 8 decimals.
 *
 * Every mutation records the asset as changed, so the engine can send one
 * `outboundAccountPosition` per state change listing exactly the assets that moved
 * (user-data-stream.md "Account Update").
 */
import { add, gte, isPositive, isZero, lt, normalize, sub } from '../../decimal.js';
import { ORDER_REJECT_MESSAGES, simErrors } from '../sim-error.js';

export interface AssetBalance {
  free: string;
  locked: string;
}

export interface Accounts {
  get(asset: string): AssetBalance;
  /** Every asset ever held (zero balances included, as Binance lists them), sorted by name. */
  list(): Array<{ asset: string } & AssetBalance>;
  hasFree(asset: string, amount: string): boolean;
  credit(asset: string, amount: string): void;
  /** Takes from free; -2010 insufficient balance when free is short. */
  debitFree(asset: string, amount: string): void;
  /** Moves free → locked; -2010 insufficient balance when free is short. */
  lock(asset: string, amount: string): void;
  /** Moves locked → free (an order cancelled, or filled at a better price than it locked). */
  unlock(asset: string, amount: string): void;
  /** Takes from locked (a resting order's fill pays out of what it locked). */
  debitLocked(asset: string, amount: string): void;
  /** Assets changed since the last call, and forgets them. */
  takeChanged(): string[];
  snapshot(): Record<string, AssetBalance>;
  /** Replaces everything (restore from disk, reset). */
  replace(balances: Record<string, AssetBalance>): void;
}

export function createAccounts(initial: Record<string, string> = {}): Accounts {
  const balances = new Map<string, AssetBalance>();
  const changed = new Set<string>();

  const entry = (asset: string): AssetBalance => {
    let b = balances.get(asset);
    if (b === undefined) {
      b = { free: '0', locked: '0' };
      balances.set(asset, b);
    }
    return b;
  };
  const insufficient = () => simErrors.orderRejected(ORDER_REJECT_MESSAGES.insufficientBalance);
  const positive = (amount: string): boolean => {
    if (lt(amount, '0')) throw new RangeError(`negative amount ${amount}`);
    return isPositive(amount);
  };

  for (const [asset, amount] of Object.entries(initial)) entry(asset).free = normalize(amount);

  return {
    get: (asset) => ({ ...entry(asset) }),
    list: () =>
      [...balances.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([asset, b]) => ({ asset, ...b })),
    hasFree: (asset, amount) => gte(entry(asset).free, amount),
    credit(asset, amount) {
      if (!positive(amount)) return;
      const b = entry(asset);
      b.free = add(b.free, amount);
      changed.add(asset);
    },
    debitFree(asset, amount) {
      if (!positive(amount)) return;
      const b = entry(asset);
      if (lt(b.free, amount)) throw insufficient();
      b.free = sub(b.free, amount);
      changed.add(asset);
    },
    lock(asset, amount) {
      if (!positive(amount)) return;
      const b = entry(asset);
      if (lt(b.free, amount)) throw insufficient();
      b.free = sub(b.free, amount);
      b.locked = add(b.locked, amount);
      changed.add(asset);
    },
    unlock(asset, amount) {
      if (!positive(amount)) return;
      const b = entry(asset);
      // Never unlock more than is locked: rounding elsewhere must not mint money.
      const moved = lt(b.locked, amount) ? b.locked : amount;
      b.locked = sub(b.locked, moved);
      b.free = add(b.free, moved);
      changed.add(asset);
    },
    debitLocked(asset, amount) {
      if (!positive(amount)) return;
      const b = entry(asset);
      if (lt(b.locked, amount)) throw new RangeError(`${asset}: debit ${amount} exceeds locked ${b.locked}`);
      b.locked = sub(b.locked, amount);
      changed.add(asset);
    },
    takeChanged() {
      const out = [...changed].sort();
      changed.clear();
      return out;
    },
    snapshot: () => Object.fromEntries([...balances.entries()].map(([a, b]) => [a, { ...b }])),
    replace(next) {
      balances.clear();
      changed.clear();
      for (const [asset, b] of Object.entries(next)) {
        balances.set(asset, { free: normalize(b.free), locked: normalize(b.locked) });
      }
    },
  };
}

/** True when the asset holds nothing at all (used for `omitZeroBalances`). */
export function isEmptyBalance(b: AssetBalance): boolean {
  return isZero(b.free) && isZero(b.locked);
}
