/**
 * The confirmation cards a /signal proposes (DESIGN.md §11), priced by the same TradingService
 * paths as a typed order, so a signal's card is checked against the filters, the balance and
 * MAX_ORDER_VALUE exactly as one, and Confirm goes through the one orders queue. The bot
 * proposes; the trader decides.
 *
 * The entry of a strategy with a fractal exit (`fractal`, `macd-fractal`) is the bracket a trader
 * would type as `/buy SYMBOL SIZE sl=fractal:INTERVAL` (or `/buy SYMBOL risk=… sl=fractal:INTERVAL`):
 * `TradingService.prepareBracket`, the one bracket pricing (bracket-pricing.ts), finds the stop
 * with the §5 arming rule on the interval's candles, and Confirm places the entry with its stop
 * as any /buy bracket (§5b). `macd` exits on its own cross, not on a stop, so its entry is a plain
 * /buy card: a default stop would be an exit the strategy does not have, and the live position
 * would no longer be the backtested one.
 *
 * With no confirmed bullish fractal below the price the bracket has no stop to hold. An amount
 * still gets a card, the plain /buy one, saying the stop waits (the signal's exit then sends a
 * sell card); `risk=` has nothing to size by and gets a sentence instead.
 */
import { AppError, isAppError } from '../errors.js';
import { escapeHtml } from '../format.js';
import type { BracketRequest } from '../trading/brackets/bracket-types.js';
import type { StopInterval } from '../trading/stops/stop-intervals.js';
import type { PreparedCard, Requester, TradingService } from '../trading/types.js';
import type { SignalSize } from './signal-store.js';

export type CardPricing = Pick<TradingService, 'prepareOrder' | 'prepareBracket'>;

export interface EntryCardRequest {
  symbol: string;
  size: SignalSize;
  /** The strategy's exit is the §5 trailing fractal stop on this interval (absent: it exits by its own signal). */
  fractalStop?: { interval: StopInterval };
}

export interface EntryCard {
  card: PreparedCard;
  /** The card is a bracket holding the strategy's fractal stop. */
  stop?: 'fractal';
}

/** The buy card of a signal's entry: a bracket with the strategy's stop, or a plain buy for a strategy without one. */
export async function prepareEntryCard(trading: CardPricing, request: EntryCardRequest, requester: Requester): Promise<EntryCard> {
  const { symbol, size, fractalStop } = request;
  if (!fractalStop) {
    if (size.kind === 'risk') throw riskNeedsStop(symbol);
    return { card: await trading.prepareOrder({ symbol, side: 'BUY', amount: size }, requester) };
  }
  const bracket: BracketRequest = {
    symbol,
    size: size.kind === 'risk' ? { kind: 'risk', risk: size.risk } : { kind: 'amount', amount: size },
    stop: { kind: 'fractal', interval: fractalStop.interval },
  };
  try {
    return { card: await trading.prepareBracket(bracket, requester), stop: 'fractal' };
  } catch (error) {
    if (!isAppError(error) || error.code !== 'BRACKET_NO_STOP_FOUND') throw error;
    if (size.kind === 'risk') {
      throw new AppError('BRACKET_NO_STOP_FOUND', `no fractal below the price of ${symbol} ${fractalStop.interval} to size risk= by`, {
        userMessage: `There is no confirmed bullish fractal below the price on ${fractalStop.interval} candles yet, so the strategy has no stop and risk= has nothing to size by.`,
      });
    }
    const card = await trading.prepareOrder({ symbol, side: 'BUY', amount: size }, requester);
    const note =
      `\n\n🛡 No confirmed bullish fractal below the price on ${fractalStop.interval} yet: this buy has no stop. ` +
      `Arm one with /stop ${escapeHtml(symbol)} fractal ${fractalStop.interval} after the fill; the signal sends a sell card when its own stop is reached.`;
    return { card: { ...card, text: card.text + note } };
  }
}

/** `risk=` sizes by the distance to the stop, which `macd` does not give. */
export const RISK_WITHOUT_STOP =
  'macd exits on its own cross and gives no stop, so risk= has no distance to size by. Give SIZE as an amount (100USDT) or a quantity (0.01), or use fractal or macd-fractal, whose stop sizes it.';

function riskNeedsStop(symbol: string): AppError {
  return new AppError('BOT_BAD_ARGUMENTS', `risk= sizing for a strategy without a stop on ${symbol}`, { userMessage: RISK_WITHOUT_STOP });
}

/** The sell card of a signal's exit: `quantity` of the base asset, at market. */
export async function prepareExitCard(trading: Pick<TradingService, 'prepareOrder'>, symbol: string, quantity: string, requester: Requester): Promise<PreparedCard> {
  return trading.prepareOrder({ symbol, side: 'SELL', amount: { kind: 'base', quantity } }, requester);
}
