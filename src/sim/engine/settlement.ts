/**
 * Moves the money of one fill: what the order pays (out of its lock or out of free) and what it
 * receives less commission. Binance takes the commission in the asset received (commission_faq.md),
 * so a BUY pays its fee in the base asset and a SELL in the quote; with "use BNB for fees" on
 * (`bnbFee`), and enough free BNB, the fee is paid in BNB instead, at the discounted rate.
 */
import { gt, isPositive, lt, mul, round, sub } from '../../decimal.js';
import type { Accounts } from './accounts.js';
import type { SimFill, SimOrder } from './order-book.js';

/** Commission amounts are kept to 8 decimals, the commission precision of every spot asset. */
const COMMISSION_DECIMALS = 8;

export interface Pair {
  baseAsset: string;
  quoteAsset: string;
}

export interface FillInput {
  qty: string;
  price: string;
  tradeId: number;
  maker: boolean;
}

/** The fee of one fill in BNB, when the account pays fees in BNB (computed by the caller from BNB's price). */
export interface BnbFee {
  amount: string;
}

/**
 * Books a fill against `order` (its lock in `order.locked`, `order.lockedAsset`) and returns the
 * fill record. The order's own quantities are updated by the caller.
 *
 * `lockPrice` is the price a BUY locked its quote at (the limit, or the stop for a market stop):
 * the fill releases qty × lockPrice from the lock and refunds the difference when it fills at a
 * better price.
 */
export function settleFill(accounts: Accounts, pair: Pair, order: SimOrder, input: FillInput, commissionRate: string, bnbFee?: BnbFee): SimFill {
  const quoteQty = mul(input.qty, input.price);
  if (bnbFee && isPositive(bnbFee.amount) && pair.baseAsset !== 'BNB' && pair.quoteAsset !== 'BNB' && !lt(accounts.get('BNB').free, bnbFee.amount)) {
    const [paid, paidAmount, received, receivedAmount] =
      order.side === 'BUY' ? [pair.quoteAsset, quoteQty, pair.baseAsset, input.qty] : [pair.baseAsset, input.qty, pair.quoteAsset, quoteQty];
    pay(accounts, order, paid, paidAmount, order.side === 'BUY' ? mul(input.qty, lockPriceOf(order)) : input.qty);
    accounts.debitFree('BNB', bnbFee.amount);
    accounts.credit(received, receivedAmount);
    return { price: input.price, qty: input.qty, commission: bnbFee.amount, commissionAsset: 'BNB', tradeId: input.tradeId, maker: input.maker };
  }
  if (order.side === 'BUY') {
    pay(accounts, order, pair.quoteAsset, quoteQty, mul(input.qty, lockPriceOf(order)));
    const commission = round(mul(input.qty, commissionRate), COMMISSION_DECIMALS, 'half-up');
    accounts.credit(pair.baseAsset, sub(input.qty, commission));
    return { price: input.price, qty: input.qty, commission, commissionAsset: pair.baseAsset, tradeId: input.tradeId, maker: input.maker };
  }
  pay(accounts, order, pair.baseAsset, input.qty, input.qty);
  const commission = round(mul(quoteQty, commissionRate), COMMISSION_DECIMALS, 'half-up');
  accounts.credit(pair.quoteAsset, sub(quoteQty, commission));
  return { price: input.price, qty: input.qty, commission, commissionAsset: pair.quoteAsset, tradeId: input.tradeId, maker: input.maker };
}

/** The price a BUY's quote lock was computed at. */
export function lockPriceOf(order: SimOrder): string {
  return isPositive(order.price) ? order.price : order.stopPrice;
}

/**
 * Pays `amount` of `asset`: first out of the order's lock (releasing `release` of it, refunding
 * what the fill did not need), the rest out of free.
 */
function pay(accounts: Accounts, order: SimOrder, asset: string, amount: string, release: string): void {
  if (order.lockedAsset !== asset || !isPositive(order.locked)) {
    accounts.debitFree(asset, amount);
    return;
  }
  const released = gt(release, order.locked) ? order.locked : release;
  accounts.debitLocked(asset, released);
  order.locked = sub(order.locked, released);
  if (lt(amount, released)) accounts.credit(asset, sub(released, amount));
  else if (gt(amount, released)) accounts.debitFree(asset, sub(amount, released));
}

/** Returns whatever the order still holds locked to free (the order is done). */
export function releaseLock(accounts: Accounts, order: SimOrder): void {
  if (isPositive(order.locked)) accounts.unlock(order.lockedAsset, order.locked);
  order.locked = '0';
}
