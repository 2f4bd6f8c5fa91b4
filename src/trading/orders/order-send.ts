/**
 * Steps 3–4 of an order job (DESIGN.md §4): mark "send attempted", fenced by the job's lock, then
 * place with `newClientOrderId` and `newOrderRespType=FULL` under a sign-by deadline; an unknown
 * outcome (or a duplicate id) is looked up before anything else, never resent blindly.
 */
import { isExchangeError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { NewOrderParams, Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import type { OrderIntent } from '../types.js';
import type { OrderRecords, SendFence } from './order-records.js';
import { OutcomeUnknownError, type OrderLookup } from './order-lookup.js';
import { refuseIfQueuedTooLong } from './orders-queue.js';

export interface OrderSendDeps {
  exchange: Pick<ExchangeClient, 'newOrder'>;
  records: Pick<OrderRecords, 'markSendAttempted' | 'clearSendAttempted'>;
  lookup: Pick<OrderLookup, 'find' | 'signedByFromMark'>;
  logger: Logger;
  /** QUEUED_ORDER_MAX_AGE_S in ms. */
  queuedOrderMaxAgeMs: number;
  now: () => number;
}

/** Places the confirmed order once, with the parameters `validated` re-checked them into. */
export type OrderSend = (intent: OrderIntent, confirmedAt: number, validated: Promise<NewOrderParams>, fence: SendFence) => Promise<Order>;

export function createOrderSend(deps: OrderSendDeps): OrderSend {
  const { exchange, records, lookup, logger, now } = deps;
  return async (intent, confirmedAt, validated, fence) => {
    const params = await validated;
    refuseIfQueuedTooLong(intent, confirmedAt, now(), deps.queuedOrderMaxAgeMs);
    // Checked last, after the slow re-validation reads, so a lock lost during them stops the send.
    // From here to the request's timestamp the REST client may wait (gate, clock sync, a -1021
    // re-sign): the sign-by deadline below bounds that wait by what a taker-over waits out
    // (order-lookup.ts; docs/ARCHITECTURE.md "Exactly once").
    const markedAt = now();
    await records.markSendAttempted(intent.clientOrderId, markedAt, fence);
    try {
      // Signed by the bound a taker-over waits out after this mark, or not sent at all: a worker
      // held up between the fence and the wire (gate, clock resync, a -1021 re-sign) cannot send
      // after another worker has declared the order absent and placed it.
      return await exchange.newOrder({ ...params, newClientOrderId: intent.clientOrderId, newOrderRespType: 'FULL' }, { signBy: lookup.signedByFromMark(markedAt) });
    } catch (error) {
      const ref = { symbol: intent.preview.symbol, clientOrderId: intent.clientOrderId };
      if (isExchangeError(error) && (error.kind === 'unknown-outcome' || error.code === 'EXCHANGE_DUPLICATE_ORDER')) {
        // Maybe placed (or an open order already has our id): find out before anything else.
        logger.warn({ intentId: intent.id, clientOrderId: intent.clientOrderId, code: error.code }, 'order outcome unknown; reconciling');
        // newOrder has returned, so any resend it made is signed by now.
        const found = await lookup.find(ref, now());
        if (found) return found;
        // Past the horizon and still absent: that request can no longer execute (order-lookup.ts).
        await records.clearSendAttempted(intent.clientOrderId, fence);
        throw new OutcomeUnknownError(ref, error, true);
      }
      // Rejected, rate-limited before execution, or never sent: the exchange did not execute it.
      if (isExchangeError(error)) await records.clearSendAttempted(intent.clientOrderId, fence);
      throw error;
    }
  };
}
