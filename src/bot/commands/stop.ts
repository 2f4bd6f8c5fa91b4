/**
 * /stop SYMBOL PRICE [AMOUNT] | /stop SYMBOL fractal [INTERVAL] [AMOUNT] | /stop SYMBOL off
 * (DESIGN.md §2, §5).
 *
 * A fixed or fractal stop gets a confirmation card from the stop desk (src/trading/stop-desk.ts)
 * with the usual [Confirm] [Cancel] buttons: Confirm arms the managed stop and queues its order
 * like any card. `off` acts at once and says what it cancelled. After `fractal`, INTERVAL and
 * AMOUNT may come in either order: an interval (`4h`) can never be read as an amount.
 */
import { Composer, type Context } from 'grammy';
import type { SymbolInfo } from '../../binance/types.js';
import { isStopInterval, STOP_INTERVALS, type StopInterval } from '../../trading/stops/stop-intervals.js';
import type { StopRequest } from '../../trading/stops/stop-types.js';
import type { AmountSpec } from '../../trading/types.js';
import type { BotDeps } from '../bot-deps.js';
import { argumentError, expectTokens, parseAmount, parsePrice, quoteInput, resolveAmountAsset, tokenize } from '../command-args.js';
import { commandSpec } from '../command-table.js';
import { orderCardKeyboard } from '../keyboards.js';
import { replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';

const SPEC = commandSpec('stop');
export const STOP_DEFAULT_INTERVAL: StopInterval = '4h';

/** `4h`, `15m`, `1d`, `1w`, `1M`: the shape of a Binance interval. */
const INTERVAL_SHAPE = /^\d+[smhdwM]$/;

export type ParsedStopCommand = StopRequest | { kind: 'off'; symbol: string };

function stopAmount(token: string, info: SymbolInfo): AmountSpec {
  const amount = resolveAmountAsset(SPEC, parseAmount(SPEC, token, { allowShareOfBalance: true }), info);
  if (amount.kind === 'quote') {
    throw argumentError(SPEC, `A stop protects a quantity of ${info.baseAsset}: give AMOUNT as 0.5, 0.5${info.baseAsset}, all or 50%, not "${quoteInput(token)}".`);
  }
  return amount;
}

function stopInterval(token: string): StopInterval {
  const candidate = token === '1M' ? token : token.toLowerCase();
  if (isStopInterval(candidate)) return candidate;
  throw argumentError(SPEC, `"${quoteInput(token)}" is not an interval a stop can follow. Use one of ${STOP_INTERVALS.join(', ')}.`);
}

export async function parseStopCommand(catalog: SymbolCatalog, match: string, defaultInterval: string | undefined): Promise<ParsedStopCommand> {
  const tokens = tokenize(match);
  expectTokens(SPEC, tokens, 2, 4);
  const [symbolToken, what, ...rest] = tokens as [string, string, ...string[]];
  const mode = what.toLowerCase();
  // Shape first, so a bad price is refused without a look-up.
  const price = mode === 'off' || mode === 'fractal' ? undefined : parsePrice(SPEC, what);
  if (mode === 'off' && rest.length > 0) throw argumentError(SPEC, `Too many arguments: "${quoteInput(rest.join(' '))}" is not expected after off.`);
  if (price !== undefined && rest.length > 1) throw argumentError(SPEC, `Too many arguments: "${quoteInput(rest.slice(1).join(' '))}" is not expected.`);
  const info = await resolveSymbol(catalog, SPEC, symbolToken);
  if (mode === 'off') return { kind: 'off', symbol: info.symbol };
  if (price !== undefined) {
    const amount = rest[0] === undefined ? undefined : stopAmount(rest[0], info);
    return { kind: 'fixed', symbol: info.symbol, stopPrice: price, ...(amount ? { amount } : {}) };
  }
  let interval: StopInterval | undefined;
  let amount: AmountSpec | undefined;
  for (const token of rest) {
    if (INTERVAL_SHAPE.test(token)) {
      if (interval !== undefined) throw argumentError(SPEC, 'Give one INTERVAL at most.');
      interval = stopInterval(token);
    } else {
      if (amount !== undefined) throw argumentError(SPEC, 'Give one AMOUNT at most.');
      amount = stopAmount(token, info);
    }
  }
  const fallback = defaultInterval !== undefined && isStopInterval(defaultInterval) ? defaultInterval : STOP_DEFAULT_INTERVAL;
  return { kind: 'fractal', symbol: info.symbol, interval: interval ?? fallback, ...(amount ? { amount } : {}) };
}

export function stopCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('stop', async (ctx) => {
    const parsed = await parseStopCommand(deps.exchangeInfo, ctx.match, deps.settings.stopDefaultInterval);
    const desk = deps.stopDesk;
    if (!desk) {
      await replyHtml(ctx, 'Managed stops are not available in this deployment.');
      return;
    }
    if (parsed.kind === 'off') {
      await replyHtml(ctx, await desk.removeStops(parsed.symbol, requesterOf(ctx)));
      return;
    }
    const card = await desk.prepareStop(parsed, requesterOf(ctx));
    const message = await replyHtml(ctx, card.text, orderCardKeyboard(card));
    await deps.trading.attachCard(card.intentId, message.message_id);
  });
  return composer;
}
