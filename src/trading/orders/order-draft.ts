/**
 * The order the trader described, before the filter engine puts it on the grid (DESIGN.md §2): a
 * base quantity as given; a quote amount as `quoteOrderQty` for a MARKET order when the symbol
 * allows it (`quoteOrderQtyMarketAllowed`), else quote ÷ price (the limit price, or the last price
 * for MARKET) floored; `all`/`N%` of the free balance. Each conversion leaves a note for the card.
 */
import { decimalsOf, div, gt, isDecimal, isPositive, mul, normalize } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { formatAmount, formatQuantity } from '../../format.js';
import { stepDecimals, tickDecimals, type OrderDraft } from '../../binance/filters.js';
import type { Account, SymbolInfo } from '../../binance/types.js';
import type { OrderRequest } from '../types.js';
import { freeOf } from './balances.js';

/** The symbol's rules, prices and the account an order is priced in. */
export interface Market {
  info: SymbolInfo;
  lastPrice: string;
  referencePrice: string;
  account: Account;
}

/** The order the trader described, before the grid: plus notes on how an amount became a quantity. */
export function draftOf(request: OrderRequest, market: Market): { order: OrderDraft; notes: string[]; askedQuote?: string } {
  const { info, lastPrice, account } = market;
  const type = request.price !== undefined ? 'LIMIT' : 'MARKET';
  if (request.price !== undefined) positive(request.price, 'The price');
  const order: OrderDraft = { side: request.side, type, ...(request.price !== undefined ? { price: normalize(request.price) } : {}) };
  if (type === 'LIMIT') order.timeInForce = 'GTC';
  const notes: string[] = [];
  // The quote amount the trader named (a BUY sized in the quote): the card says when rounding spends noticeably less.
  let askedQuote: string | undefined;
  const priceForSizing = request.price !== undefined ? normalize(request.price) : lastPrice;
  const quantityDecimals = Math.max(stepDecimals(info, type), decimalsOf(lastPrice)) + 2;

  const fromQuote = (quote: string, label: string) => {
    askedQuote = quote;
    if (type === 'MARKET' && info.quoteOrderQtyMarketAllowed === true) {
      order.quoteOrderQty = quote;
      return;
    }
    // Floored here and again to the step by the filter engine: never more than the amount.
    order.quantity = div(quote, priceForSizing, quantityDecimals, 'floor');
    notes.push(
      `${label} ÷ ${type === 'MARKET' ? 'last price' : 'limit price'} ${formatAmount(priceForSizing, tickDecimals(info))} ≈ ${formatQuantity(order.quantity)} ${info.baseAsset}.`,
    );
  };

  const amount = request.amount;
  switch (amount.kind) {
    case 'base':
      order.quantity = positive(amount.quantity, 'The quantity');
      break;
    case 'quote': {
      const asset = (amount.asset ?? info.quoteAsset).toUpperCase();
      const quote = positive(amount.quoteQty, 'The amount');
      if (asset === info.baseAsset) order.quantity = quote;
      else if (asset === info.quoteAsset) fromQuote(quote, `${formatQuantity(quote)} ${info.quoteAsset}`);
      else {
        throw new AppError('ORDER_INVALID_INPUT', `amount in ${asset} for ${info.symbol}`, {
          userMessage: `${info.symbol} trades ${info.baseAsset} against ${info.quoteAsset}: give the amount in ${info.quoteAsset} or ${info.baseAsset}, not ${asset}.`,
        });
      }
      break;
    }
    case 'all':
    case 'percent': {
      const share = amount.kind === 'all' ? '100' : positive(amount.percent, 'The percentage');
      if (gt(share, '100')) throw new AppError('ORDER_INVALID_INPUT', `percent ${share}`, { userMessage: 'The percentage must be between 0 and 100.' });
      const spendAsset = request.side === 'SELL' ? info.baseAsset : info.quoteAsset;
      const free = freeOf(account, spendAsset);
      if (!isPositive(free)) {
        throw new AppError('ORDER_INSUFFICIENT_BALANCE', `no free ${spendAsset}`, { userMessage: `There is no free ${spendAsset} to ${request.side === 'SELL' ? 'sell' : 'spend'}.` });
      }
      const part = div(mul(free, share), '100', decimalsOf(free) + 2, 'floor');
      const label = `${amount.kind === 'all' ? 'All' : `${normalize(share)}% of`} the free ${formatQuantity(free)} ${spendAsset}`;
      if (request.side === 'SELL') {
        order.quantity = part;
        notes.push(`${label}.`);
      } else fromQuote(part, label);
      break;
    }
  }
  return { order, notes, ...(askedQuote !== undefined ? { askedQuote } : {}) };
}

function positive(value: string, what: string): string {
  if (!isDecimal(value) || !isPositive(value)) {
    throw new AppError('ORDER_INVALID_INPUT', `${what} "${value}" is not a positive number`, { userMessage: `${what} must be a positive number.` });
  }
  return normalize(value);
}

/** A filter engine adjustment as a sentence on the card. */
export const sentence = (note: string) => `${note.charAt(0).toUpperCase()}${note.slice(1)}${note.endsWith('.') ? '' : '.'}`;
