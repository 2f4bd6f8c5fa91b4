/**
 * /cancel ORDER_ID|SYMBOL|all (DESIGN.md §2): one order is cancelled at once; several are listed
 * and wait for a Confirm (cancel-confirmations.ts), bound to the user who asked, for
 * CONFIRM_TTL_S. Every cancel goes through the trading service, so each is audited.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { Order } from '../../binance/types.js';
import { userMessageOf } from '../../errors.js';
import { escapeHtml } from '../../format.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import type { CancelConfirmations } from '../cancel-confirmations.js';
import { argumentError, expectTokens, parseOrderId, quoteInput, tokenize } from '../command-args.js';
import { editPressedMessage, replyHtml } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol } from '../symbol-arg.js';
import { assertId, defineButtons, defineFeature, ID_RE, type CommandSpec } from './feature.js';
import { newestFirst, orderLine } from './open-orders.js';

const SPEC: CommandSpec = {
  name: 'cancel',
  description: 'Cancel an order, a symbol’s orders, or all',
  usage: '/cancel ORDER_ID|SYMBOL|all',
  example: '/cancel BTCUSDT',
  details: ['One order is cancelled at once. Several orders are listed first and need a Confirm.'],
};

/** `m:<cancelId>` confirms a multi-order /cancel, `n:<cancelId>` keeps the orders. */
export type CancelButton = { kind: 'confirm-cancel'; cancelId: string } | { kind: 'dismiss-cancel'; cancelId: string };

export const cancelButtons = defineButtons<CancelButton>({
  prefixes: ['m', 'n'],
  kinds: ['confirm-cancel', 'dismiss-cancel'],
  encode(action) {
    assertId(action.cancelId, 'cancelId');
    return `${action.kind === 'confirm-cancel' ? 'm' : 'n'}:${action.cancelId}`;
  },
  decode(prefix, fields) {
    const [id] = fields;
    if (fields.length !== 1 || id === undefined || !ID_RE.test(id)) return undefined;
    return prefix === 'm' ? { kind: 'confirm-cancel', cancelId: id } : { kind: 'dismiss-cancel', cancelId: id };
  },
});

/** `[Cancel N orders] [Keep them]` under a multi-order /cancel. */
export function cancelManyKeyboard(cancelId: string, count: number): InlineKeyboard {
  return new InlineKeyboard()
    .text(`✅ Cancel ${count} orders`, cancelButtons.encode({ kind: 'confirm-cancel', cancelId }))
    .text('✖️ Keep them', cancelButtons.encode({ kind: 'dismiss-cancel', cancelId }));
}

export function cancelCommand(deps: BotDeps, confirmations: CancelConfirmations): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('cancel', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 1, 1);
    const target = tokens[0]!;
    const requester = requesterOf(ctx);

    let orders: Order[];
    let scope: string;
    const orderId = parseOrderId(target);
    if (orderId !== undefined) {
      const order = (await deps.exchange.openOrders()).find((o) => o.orderId === orderId);
      if (!order) {
        await replyHtml(ctx, `There is no open order #${orderId}. See /orders.`);
        return;
      }
      orders = [order];
      scope = `order #${orderId}`;
    } else if (target.toLowerCase() === 'all') {
      orders = await deps.exchange.openOrders();
      scope = 'all symbols';
    } else if (/^\d+$/.test(target)) {
      throw argumentError(SPEC, `"${quoteInput(target)}" is not a valid order id.`);
    } else {
      const info = await resolveSymbol(deps.exchangeInfo, SPEC, target);
      orders = await deps.exchange.openOrders(info.symbol);
      scope = escapeHtml(info.symbol);
    }

    if (orders.length === 0) {
      await replyHtml(ctx, `No open orders on ${scope}.`);
      return;
    }
    if (orders.length === 1) {
      const [order] = orders as [Order];
      await replyHtml(ctx, await deps.trading.cancelOrder({ symbol: order.symbol, orderId: order.orderId }, requester));
      return;
    }

    orders.sort(newestFirst);
    const infos = new Map(await Promise.all([...new Set(orders.map((o) => o.symbol))].map(async (s) => [s, await deps.exchangeInfo.symbol(s)] as const)));
    const confirmation = await confirmations.create({
      userId: requester.userId,
      chatId: requester.chatId,
      orders: orders.map((o) => ({ symbol: o.symbol, orderId: o.orderId })),
    });
    const html = [
      `<b>Cancel ${orders.length} open orders on ${scope}?</b>`,
      ...orders.map((o) => orderLine(o, infos.get(o.symbol))),
      '',
      `Confirm within ${deps.settings.confirmTtlS} s.`,
    ].join('\n');
    const sent = await replyHtml(ctx, html, cancelManyKeyboard(confirmation.id, orders.length));
    // Unanswered, it is edited at its deadline so it does not look live; a decided one keeps its key and is left alone.
    await deps.alerts
      ?.enqueue(
        {
          key: `expire-cancel-${confirmation.id}`,
          chatId: requester.chatId,
          userId: requester.userId,
          editMessageId: sent.message_id,
          text: html.replace(/Confirm within \d+ s\.$/, '⌛ Expired: nothing was cancelled; send /cancel again if you still want to.'),
          category: 'order',
          unlessKeyExists: confirmations.keyOf(confirmation.id),
        },
        { delayMs: confirmation.expiresAt - Date.now() + 500 },
      )
      .catch((error: unknown) => deps.logger.warn({ err: error, cancelId: confirmation.id }, 'could not schedule the expiry edit'));
  });
  return composer;
}

/** Confirm under a multi-order /cancel: each listed order is cancelled, then the message lists the results. */
export function confirmCancelButton(deps: BotDeps, confirmations: CancelConfirmations): CallbackHandler<'confirm-cancel'> {
  return async (ctx, action) => {
    const requester = requesterOf(ctx);
    const { orders } = await confirmations.confirm(action.cancelId, requester.userId);
    return {
      answer: `Cancelling ${orders.length} orders…`,
      after: async () => {
        const lines: string[] = [];
        let done = 0;
        for (const order of orders) {
          try {
            await deps.trading.cancelOrder(order, requester);
            done++;
            lines.push(`✅ #${order.orderId} ${escapeHtml(order.symbol)} cancelled`);
          } catch (error) {
            lines.push(`❌ #${order.orderId} ${escapeHtml(order.symbol)}: ${escapeHtml(userMessageOf(error))}`);
          }
        }
        await editPressedMessage(ctx, [`<b>Cancelled ${done} of ${orders.length} orders.</b>`, ...lines].join('\n'));
      },
    };
  };
}

export function dismissCancelButton(confirmations: CancelConfirmations): CallbackHandler<'dismiss-cancel'> {
  return async (ctx, action) => {
    await confirmations.dismiss(action.cancelId, ctx.from!.id);
    return { answer: 'Kept: nothing was cancelled.', after: () => editPressedMessage(ctx, 'Cancel request dismissed: the orders stay open.') };
  };
}

export const cancelFeature = defineFeature<CancelButton>({
  name: 'cancel',
  commands: [SPEC],
  composer: ({ deps, confirmations }) => cancelCommand(deps, confirmations),
  buttons: cancelButtons,
  handlers: ({ deps, confirmations }) => ({ 'confirm-cancel': confirmCancelButton(deps, confirmations), 'dismiss-cancel': dismissCancelButton(confirmations) }),
});
