/**
 * /buy and /sell, and the order card's buttons (DESIGN.md §2): parse → the trading service
 * prices and filter-checks the order and stores the intent → the card with [Confirm] [Cancel] →
 * the card's message id goes back to the intent so the worker can edit it in place. Nothing is sent to the exchange here; an order
 * that cannot pass the filters, the balance or MAX_ORDER_QUOTE gets the reason instead of a card.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { CARD_REVISION, claimCardRevision, reassertNewestCardEdit } from '../../trading/orders/card-revisions.js';
import type { Side } from '../../binance/types.js';
import { cardCallbackData, parseCardCallback } from '../../trading/card-callback.js';
import type { OrderRequest, PreparedCard } from '../../trading/types.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { expectTokens, parseAmount, parsePrice, resolveAmountAsset, tokenize } from '../command-args.js';
import { hasPlanArguments, parseBracketRequest } from '../bracket-args.js';
import { isStopInterval } from '../../trading/stops/stop-intervals.js';
import { editPressedMessage, replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';
import { assertId, DEFAULT_INTERVAL, defineButtons, defineFeature, type CommandSpec } from './feature.js';

export const BUY_SPEC: CommandSpec = {
  name: 'buy',
  description: 'Buy at market, or with a limit price',
  usage: '/buy SYMBOL AMOUNT [PRICE] [sl=STOP] [tp=TARGET]',
  example: '/buy BTCUSDT 100USDT',
  details: [
    'AMOUNT is a quantity of the base asset (0.01) or an amount of the quote asset (100USDT or $100).',
    'With PRICE the order is a LIMIT order (good till cancelled); without it, a MARKET order.',
    'sl= sets a stop with the entry: a price (sl=61000), N% below the entry (sl=3%), the newest bullish fractal, trailing (sl=fractal or sl=fractal:1h), or MULT × ATR(14) below the entry, trailing as a chandelier stop (sl=atr, sl=atr:3).',
    'tp= sets a target: a price (tp=70000), N% above the entry (tp=5%) or N times the risk (tp=2R). With both, the exits are one OCO: whichever fills cancels the other.',
    'AMOUNT may be risk=1% (of the net value) or risk=50 (in the valuation asset): the quantity is then the risk divided by the distance to the stop, so it needs sl=.',
    'You get a card with the priced order and Confirm / Cancel buttons. Nothing is sent before Confirm.',
  ],
};

export const SELL_SPEC: CommandSpec = {
  name: 'sell',
  description: 'Sell at market, or with a limit price',
  usage: '/sell SYMBOL AMOUNT|all|N% [PRICE]',
  example: '/sell BTCUSDT 50%',
  details: [
    'AMOUNT is a quantity (0.01), an amount of the quote asset (100USDT), all of the free balance, or a share of it (50%).',
    'With PRICE the order is a LIMIT order (good till cancelled); without it, a MARKET order.',
    'You get a card with the priced order and Confirm / Cancel buttons. Nothing is sent before Confirm.',
  ],
};

/**
 * The card's two buttons are the trading layer's (src/trading/card-callback.ts, handed over in
 * PreparedCard): `oc:<intentId>` Confirm, `od:<intentId>` Cancel. They are decoded with its own
 * parser, so there is one format per button.
 */
export type OrderCardButton = { kind: 'confirm-order'; intentId: string } | { kind: 'dismiss-order'; intentId: string };

export const orderCardButtons = defineButtons<OrderCardButton>({
  prefixes: ['oc', 'od'],
  kinds: ['confirm-order', 'dismiss-order'],
  encode(action) {
    assertId(action.intentId, 'intentId');
    return cardCallbackData(action.kind === 'confirm-order' ? 'confirm' : 'dismiss', action.intentId);
  },
  decode(_prefix, _fields, data) {
    const card = parseCardCallback(data);
    if (!card) return undefined;
    return { kind: card.action === 'confirm' ? 'confirm-order' : 'dismiss-order', intentId: card.intentId };
  },
});

/** `[Confirm] [Cancel]` under an order card (or a stop card), with the data the trading service made for it. */
export function orderCardKeyboard(card: Pick<PreparedCard, 'intentId' | 'confirmData' | 'cancelData'>): InlineKeyboard {
  // A button this bot could not decode would be a dead button on a live order card: refuse to send it.
  const confirm = decodeCard(card.confirmData);
  const cancel = decodeCard(card.cancelData);
  if (confirm?.kind !== 'confirm-order' || confirm.intentId !== card.intentId || cancel?.kind !== 'dismiss-order') {
    throw new Error(`order card ${card.intentId} came with button data the bot cannot decode`);
  }
  return new InlineKeyboard().text('✅ Confirm', card.confirmData).text('✖️ Cancel', card.cancelData);
}

function decodeCard(data: string): OrderCardButton | undefined {
  const [prefix = ''] = data.split(':');
  return orderCardButtons.prefixes.includes(prefix) ? orderCardButtons.decode(prefix, [], data) : undefined;
}

/** `/buy BTCUSDT 100USDT 60000` → an OrderRequest, or BOT_BAD_ARGUMENTS with the usage. */
export async function parseOrderRequest(catalog: SymbolCatalog, side: Side, match: string): Promise<OrderRequest> {
  const spec = side === 'BUY' ? BUY_SPEC : SELL_SPEC;
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

function orderCommand(deps: BotDeps, side: Side): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command(side === 'BUY' ? 'buy' : 'sell', async (ctx) => {
    const tokens = tokenize(ctx.match);
    let card: PreparedCard;
    if (side === 'BUY' && hasPlanArguments(tokens)) {
      const configured = deps.settings.stopDefaultInterval;
      const interval = configured !== undefined && isStopInterval(configured) ? configured : DEFAULT_INTERVAL;
      card = await deps.trading.prepareBracket(await parseBracketRequest(deps.exchangeInfo, BUY_SPEC, tokens, interval), requesterOf(ctx));
    } else {
      card = await deps.trading.prepareOrder(await parseOrderRequest(deps.exchangeInfo, side, ctx.match), requesterOf(ctx));
    }
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

export const ordersFeature = defineFeature<OrderCardButton>({
  name: 'orders',
  commands: [BUY_SPEC, SELL_SPEC],
  composer: ({ deps }) => new Composer<Context>(orderCommand(deps, 'BUY'), orderCommand(deps, 'SELL')),
  buttons: orderCardButtons,
  handlers: ({ deps }) => ({ 'confirm-order': confirmOrderButton(deps), 'dismiss-order': dismissOrderButton(deps) }),
});
