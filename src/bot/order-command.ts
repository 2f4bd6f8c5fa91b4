/**
 * /buy and /sell (DESIGN.md §2): parse → the trading service prices and filter-checks the order
 * and stores the intent → the card with [Confirm] [Cancel] → the card's message id goes back to
 * the intent so the worker can edit it in place. Nothing is sent to the exchange here; an order
 * that cannot pass the filters, the balance or MAX_ORDER_QUOTE gets the reason instead of a card.
 */
import { Composer, type Context } from 'grammy';
import { CARD_REVISION, claimCardRevision, reassertNewestCardEdit } from '../trading/orders/card-revisions.js';
import type { Side } from '../binance/types.js';
import type { OrderRequest } from '../trading/types.js';
import type { BotDeps } from './bot-deps.js';
import type { CallbackHandler } from './callback-router.js';
import { expectTokens, parseAmount, parsePrice, resolveAmountAsset, tokenize } from './command-args.js';
import { commandSpec } from './command-table.js';
import { orderCardKeyboard } from './keyboards.js';
import { editPressedMessage, replyHtml } from './reply.js';
import { requesterOf } from './requester.js';
import { resolveSymbol, type SymbolCatalog } from './symbol-arg.js';

/** `/buy BTCUSDT 100USDT 60000` → an OrderRequest, or BOT_BAD_ARGUMENTS with the usage. */
export async function parseOrderRequest(catalog: SymbolCatalog, side: Side, match: string): Promise<OrderRequest> {
  const spec = commandSpec(side === 'BUY' ? 'buy' : 'sell');
  const tokens = tokenize(match);
  expectTokens(spec, tokens, 2, 3);
  const [symbolToken, amountToken, priceToken] = tokens as [string, string, string | undefined];
  // Shape first, so "/buy BTCUSDT 1e3" is refused without a look-up.
  const amount = parseAmount(spec, amountToken, { allowShareOfBalance: side === 'SELL' });
  const price = priceToken === undefined ? undefined : parsePrice(spec, priceToken);
  const info = await resolveSymbol(catalog, spec, symbolToken);
  return {
    symbol: info.symbol,
    side,
    amount: resolveAmountAsset(spec, amount, info),
    ...(price !== undefined ? { price } : {}),
  };
}

export function orderCommand(deps: BotDeps, side: Side): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command(side === 'BUY' ? 'buy' : 'sell', async (ctx) => {
    const request = await parseOrderRequest(deps.exchangeInfo, side, ctx.match);
    const card = await deps.trading.prepareOrder(request, requesterOf(ctx));
    const message = await replyHtml(ctx, card.text, orderCardKeyboard(card));
    await deps.trading.attachCard(card.intentId, message.message_id);
  });
  return composer;
}

/** Confirm on a card: at most one job per intent, whatever the taps or replays (the trading service decides). */
export function confirmOrderButton(deps: BotDeps): CallbackHandler<'confirm-order'> {
  return async (ctx, action) => {
    const outcome = await deps.trading.confirm(action.intentId, ctx.from!.id);
    return {
      answer:
        outcome.answer ??
        (outcome.status === 'queued-paused' ? 'Confirmed. Automation is paused: the order leaves when you /resume.' : 'Confirmed: the order is on its way.'),
      after: async () => {
        const card = ctx.callbackQuery?.message;
        if (card && !(await claimCardRevision(deps.redis, deps.keyPrefix, card.chat.id, card.message_id, CARD_REVISION.queued))) return;
        await editPressedMessage(ctx, outcome.text);
        // The worker may have edited the card to a later state while this edit was on its way.
        if (card) await reassertNewestCardEdit(deps.redis, deps.keyPrefix, ctx.api, card.chat.id, card.message_id, CARD_REVISION.queued);
      },
    };
  };
}

/** Cancel on a card: the intent is dismissed and the card says so. */
export function dismissOrderButton(deps: BotDeps): CallbackHandler<'dismiss-order'> {
  return async (ctx, action) => {
    const text = await deps.trading.dismiss(action.intentId, ctx.from!.id);
    return { answer: 'Cancelled: nothing was sent.', after: () => editPressedMessage(ctx, text) };
  };
}
