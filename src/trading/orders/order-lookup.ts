/**
 * Finding out whether an order request executed (DESIGN.md §4 step 3.1 and "Failures";
 * BINANCE.md "Unknown outcome"): look the order up by its client order id before deciding.
 *
 * The decision, and why it is safe: Binance forwards a signed request to the matching engine
 * only while `serverTime - timestamp <= recvWindow`, checked again just before forwarding
 * (rest-api.md "Timing security"; CHANGELOG 2025-05-22). So once `recvWindow` (plus one second
 * of allowed clock lead and a margin for delays inside the matching engine, which that check
 * does not cover) has passed since the last request for the order was signed, a request that
 * has not produced an order never will. Until then a -2013 "Order does not exist." proves
 * nothing (the look-up reads memory, then the database: rest-api.md "Data Sources"), so we keep
 * looking, with backoff. Only when the order is still absent after that horizon, and after
 * several look-ups, is it declared not placed — and the caller may place it again under the same
 * client order id (which the exchange refuses as "Duplicate order sent." should an open one
 * exist after all).
 *
 * "The last request was signed" is bounded by the caller: right after newOrder failed, now; for
 * a job that finds a send mark left by a worker that died, the mark plus the longest the REST
 * client can still be busy with it (its time-out, then one clock resync and a re-signed resend
 * after -1021: `inFlightBoundMs`).
 */
import { isExchangeError } from '../../errors.js';
import type { Order } from '../../binance/types.js';
import type { ExchangeClient } from '../../binance/exchange-client.js';
import { AppError } from '../../errors.js';
import { sleep } from '../../sleep.js';

export interface OrderLookupOptions {
  /** recvWindow the REST client signs with, ms. Default 5000. */
  recvWindowMs?: number;
  /** Added to the horizon for delays inside the matching engine. Default 5000 ms. */
  engineMarginMs?: number;
  /** First pause between look-ups; doubles up to maxDelayMs. Defaults 200 ms and 2000 ms. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Look-ups answered "does not exist" before the order is declared not placed. Default 3. */
  minLookups?: number;
  /** When look-ups themselves keep failing, give up this long after the horizon (then retry the job). Default 20 s. */
  giveUpAfterMs?: number;
  /**
   * How long after a send mark the REST client may still sign a request for it: two of its
   * time-outs (the request, then the clock resync before its single -1021 resend). Default 20 s.
   */
  inFlightBoundMs?: number;
}

export interface OrderRef {
  symbol: string;
  clientOrderId: string;
}

/**
 * Retry later: either the order could be neither found nor ruled out (the exchange could not be
 * asked in time), or (`absent`) it was ruled out after the horizon and may be placed again.
 */
export class OutcomeUnknownError extends AppError {
  override name = 'OutcomeUnknownError';
  constructor(
    ref: OrderRef,
    cause: unknown,
    readonly absent = false,
  ) {
    super('EXCHANGE_UNKNOWN_OUTCOME', `${ref.clientOrderId}: ${absent ? 'not on the exchange after an unknown outcome' : 'could not find out whether it was placed'}`, {
      cause,
      details: { ...ref, absent },
      userMessage: absent
        ? 'The exchange did not confirm the order, and it does not have it.'
        : 'The exchange did not confirm the order and could not be asked whether it went through.',
    });
  }
}

export const isOrderNotFound = (error: unknown): boolean =>
  isExchangeError(error) && (error.binanceCode === -2013 || error.code === 'EXCHANGE_ORDER_NOT_FOUND');

export interface OrderLookup {
  /**
   * The order with this client order id, or undefined when it certainly is not on the exchange.
   * `signedBy`: epoch ms by which the last request for it was signed; undefined when no request
   * ever left, so one look-up decides. Throws OutcomeUnknownError when the exchange cannot be
   * asked in time.
   */
  find(ref: OrderRef, signedBy: number | undefined): Promise<Order | undefined>;
  /** `signedBy` for a send mark found at the start of a job (its worker may still be sending). */
  signedByFromMark(markedAt: number): number;
}

export function createOrderLookup(
  exchange: ExchangeClient,
  options: OrderLookupOptions = {},
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = { now: Date.now, sleep },
): OrderLookup {
  return createLookup<OrderRef, Order>(
    (ref) => exchange.getOrder({ symbol: ref.symbol, origClientOrderId: ref.clientOrderId }),
    (ref, cause) => new OutcomeUnknownError(ref, cause),
    options,
    clock,
  );
}

/**
 * The same decision for anything looked up by the client id it was sent with (an order list by
 * its `listClientOrderId`, src/trading/brackets/): `fetch` answers the thing or throws -2013.
 */
export interface Lookup<R, T> {
  find(ref: R, signedBy: number | undefined): Promise<T | undefined>;
  signedByFromMark(markedAt: number): number;
}

export function createLookup<R, T>(
  fetch: (ref: R) => Promise<T>,
  unknown: (ref: R, cause: unknown) => Error,
  options: OrderLookupOptions = {},
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
): Lookup<R, T> {
  const recvWindowMs = options.recvWindowMs ?? 5_000;
  const engineMarginMs = options.engineMarginMs ?? 5_000;
  const firstDelayMs = options.firstDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const minLookups = options.minLookups ?? 3;
  const giveUpAfterMs = options.giveUpAfterMs ?? 20_000;
  const inFlightBoundMs = options.inFlightBoundMs ?? 20_000;

  const lookUp = async (ref: R): Promise<T | undefined> => {
    try {
      return await fetch(ref);
    } catch (error) {
      if (isOrderNotFound(error)) return undefined;
      throw error;
    }
  };

  return {
    signedByFromMark: (markedAt) => markedAt + inFlightBoundMs,
    async find(ref, signedBy) {
      if (signedBy === undefined) return lookUp(ref);
      const horizon = signedBy + recvWindowMs + 1_000 + engineMarginMs;
      let absent = 0;
      let delay = firstDelayMs;
      for (;;) {
        try {
          const found = await lookUp(ref);
          if (found) return found;
          absent++;
          if (absent >= minLookups && clock.now() >= horizon) return undefined;
        } catch (error) {
          // Rejections (bad key, unknown symbol) and rate limits are the caller's to handle.
          if (!isExchangeError(error) || error.kind === 'rejected' || error.kind === 'rate-limited') throw error;
          if (clock.now() > horizon + giveUpAfterMs) throw unknown(ref, error);
        }
        // Sleep no further than the horizon once enough look-ups said "absent".
        const untilHorizon = absent >= minLookups ? Math.max(0, horizon - clock.now()) : delay;
        await clock.sleep(Math.min(delay, Math.max(untilHorizon, 1)));
        delay = Math.min(delay * 2, maxDelayMs);
      }
    },
  };
}
