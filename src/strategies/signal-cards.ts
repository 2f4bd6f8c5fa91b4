/**
 * The confirmation cards a /signal proposes (DESIGN.md §11), priced through the same
 * TradingService path as /buy and /sell, so a signal's card is checked against the filters, the
 * balance and MAX_ORDER_VALUE exactly as a typed order, and Confirm goes through the one orders
 * queue. The bot proposes; the trader decides.
 *
 * `prepareEntryCard` is the one seam where the strategy's stop joins the entry: today the card
 * is the /buy card with the stop written under it (the trader arms it with /stop after the
 * fill); with bracket orders (DESIGN.md §5b) this function builds the bracket draft
 * (`/buy … sl=fractal:INTERVAL`) instead, and nothing else changes.
 */
import { escapeHtml, formatAmount } from '../format.js';
import type { StopInterval } from '../trading/stops/stop-intervals.js';
import type { AmountSpec, PreparedCard, Requester, TradingService } from '../trading/types.js';

/** The stop a strategy gives with its entry: the §5 trailing fractal stop of its interval, starting at `initial` when a fractal is below the price. */
export interface StrategyStop {
  kind: 'fractal';
  interval: StopInterval;
  initial?: string;
}

export interface EntryCardRequest {
  symbol: string;
  size: AmountSpec;
  stop?: StrategyStop;
  /** Decimals of the symbol's tick, for the stop's price. */
  priceDecimals: number;
}

/** The buy card of a signal's entry, with the strategy's stop. */
export async function prepareEntryCard(trading: Pick<TradingService, 'prepareOrder'>, request: EntryCardRequest, requester: Requester): Promise<PreparedCard> {
  const card = await trading.prepareOrder({ symbol: request.symbol, side: 'BUY', amount: request.size }, requester);
  const stop = request.stop;
  if (!stop) return card;
  const first = stop.initial === undefined ? 'it waits for the first bullish fractal below the price' : `first at ${formatAmount(stop.initial, request.priceDecimals)}`;
  const note =
    `\n\n🛡 Strategy stop: trailing fractal stop on ${stop.interval}, ${first}. ` +
    `After the fill, arm it with /stop ${escapeHtml(request.symbol)} fractal ${stop.interval}.`;
  return { ...card, text: card.text + note };
}

/** The sell card of a signal's exit: `quantity` of the base asset, at market. */
export async function prepareExitCard(trading: Pick<TradingService, 'prepareOrder'>, symbol: string, quantity: string, requester: Requester): Promise<PreparedCard> {
  return trading.prepareOrder({ symbol, side: 'SELL', amount: { kind: 'base', quantity } }, requester);
}
