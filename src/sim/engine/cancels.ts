/**
 * Finding one of the account's orders (by orderId, origClientOrderId, or both) and cancelling it
 * or every open order of a symbol, with Binance's answers: -2013 for an unknown order, -2039 when
 * the id and the client id disagree, -2011 for a cancel that finds nothing open or breaks its
 * cancelRestrictions.
 */
import type { SymbolInfo } from '../../binance/types.js';
import { newClientOrderId, type Executions } from './executions.js';
import type { CanceledOrder, MatchingEngine } from './matching-engine.js';
import type { OrderBook, SimOrder } from './order-book.js';
import { isOpen } from './order-book.js';
import { SimError, simErrors } from '../sim-error.js';

export interface CancelsDeps {
  book: OrderBook;
  clock: () => number;
  /** The symbol's rules; throws -1121 for an unknown symbol. */
  infoOf: (symbol: string) => SymbolInfo;
  executions: Pick<Executions, 'cancel' | 'flushAccount'>;
}

export function createCancels(deps: CancelsDeps): Pick<MatchingEngine, 'find' | 'cancel' | 'cancelAll'> {
  const { book, clock, infoOf, executions } = deps;

  const find: MatchingEngine['find'] = (symbol, ref) => {
    const byId = ref.orderId !== undefined ? book.byId(ref.orderId) : undefined;
    if (ref.orderId !== undefined) {
      if (byId === undefined || byId.symbol !== symbol) throw simErrors.noSuchOrder();
      if (ref.origClientOrderId !== undefined && byId.clientOrderId !== ref.origClientOrderId) {
        throw new SimError(400, -2039, 'Client order ID is not correct for this order ID.');
      }
      return byId;
    }
    const byClient = book.byClientId(symbol, ref.origClientOrderId!);
    if (byClient === undefined) throw simErrors.noSuchOrder();
    return byClient;
  };

  const cancelOne = (order: SimOrder, cancelClientOrderId: string, now: number): CanceledOrder => {
    executions.cancel(order, cancelClientOrderId, now);
    return { order, cancelClientOrderId, transactTime: now };
  };

  const cancel: MatchingEngine['cancel'] = (symbol, ref, cancelClientOrderId, restrictions) => {
    infoOf(symbol);
    let order: SimOrder;
    try {
      order = find(symbol, ref);
    } catch (error) {
      if (error instanceof SimError && error.code === -2013) throw simErrors.cancelRejected();
      throw error;
    }
    if (!isOpen(order)) throw simErrors.cancelRejected();
    if (restrictions !== undefined && order.status !== (restrictions === 'ONLY_NEW' ? 'NEW' : 'PARTIALLY_FILLED')) {
      throw simErrors.cancelRejected('Order was not canceled due to cancel restrictions.');
    }
    const now = clock();
    const result = cancelOne(order, cancelClientOrderId ?? newClientOrderId(), now);
    executions.flushAccount(now);
    return result;
  };

  const cancelAll: MatchingEngine['cancelAll'] = (symbol) => {
    infoOf(symbol);
    const open = book.open(symbol);
    // Binance answers -2011 "Unknown order sent." when there is nothing to cancel.
    if (open.length === 0) throw simErrors.cancelRejected();
    const now = clock();
    const out = open.map((order) => cancelOne(order, newClientOrderId(), now));
    executions.flushAccount(now);
    return out;
  };

  return { find, cancel, cancelAll };
}
