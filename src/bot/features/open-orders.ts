/**
 * /orders [SYMBOL]: open orders, newest first, each with a Cancel button that cancels it at
 * once through the trading service (audited). Prices and quantities at the symbol's precision.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import type { InlineKeyboardButton } from 'grammy/types';
import { stepDecimals, tickDecimals } from '../../binance/filters.js';
import type { Order, SymbolInfo } from '../../binance/types.js';
import { isPositive } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { escapeHtml, formatAmount, formatUtc } from '../../format.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { expectTokens, tokenize } from '../command-args.js';
import { withRefresh } from '../keyboards.js';
import { editPressedMessage, isNotModified, replyHtml, updatedLine } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';
import { assertUint, byteLength, CALLBACK_DATA_MAX_BYTES, defineButtons, defineFeature, safeInteger, SYMBOL_RE, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'orders',
  description: 'Open orders, each with a Cancel button',
  usage: '/orders [SYMBOL]',
  example: '/orders BTCUSDT',
  details: ['Open orders, newest first. Each has a Cancel button that cancels it at once.'],
};

/**
 * `k:<symbol>:<orderId>:<ownerId>` cancels one order (symbol empty when too long: the order is
 * then looked up by id); `r:o:<symbol>` refreshes the list (symbol empty: all symbols).
 */
export type OpenOrdersButton =
  | { kind: 'cancel-order'; symbol: string | undefined; orderId: number; ownerId: number }
  | { kind: 'refresh-orders'; symbol: string | undefined };

export const openOrdersButtons = defineButtons<OpenOrdersButton>({
  prefixes: ['k', 'r:o'],
  kinds: ['cancel-order', 'refresh-orders'],
  encode(action) {
    if (action.kind === 'refresh-orders') {
      const data = `r:o:${action.symbol !== undefined && SYMBOL_RE.test(action.symbol) ? action.symbol : ''}`;
      return byteLength(data) > CALLBACK_DATA_MAX_BYTES ? 'r:o:' : data;
    }
    assertUint(action.orderId, 'orderId');
    assertUint(action.ownerId, 'ownerId');
    const symbol = action.symbol !== undefined && SYMBOL_RE.test(action.symbol) ? action.symbol : '';
    const data = `k:${symbol}:${action.orderId}:${action.ownerId}`;
    // A long non-Latin symbol can take 60 bytes on its own; the order id alone still identifies it.
    return byteLength(data) > CALLBACK_DATA_MAX_BYTES ? `k::${action.orderId}:${action.ownerId}` : data;
  },
  decode(prefix, fields) {
    if (prefix === 'r:o') {
      const [symbol] = fields;
      if (fields.length !== 1 || (symbol !== '' && !SYMBOL_RE.test(symbol ?? '-'))) return undefined;
      return { kind: 'refresh-orders', symbol: symbol === '' ? undefined : symbol };
    }
    if (fields.length !== 3) return undefined;
    const [symbol = '', orderText, ownerText] = fields;
    const orderId = safeInteger(orderText);
    const ownerId = safeInteger(ownerText);
    if (orderId === undefined || ownerId === undefined) return undefined;
    if (symbol !== '' && !SYMBOL_RE.test(symbol)) return undefined;
    return { kind: 'cancel-order', symbol: symbol === '' ? undefined : symbol, orderId, ownerId };
  },
});

export interface CancelButtonOrder {
  symbol: string;
  orderId: number;
  label: string;
}

/** One `Cancel …` button per order, one per row (a phone shows long rows badly). */
export function openOrdersKeyboard(orders: readonly CancelButtonOrder[], ownerId: number): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const order of orders) {
    keyboard.text(`✖️ Cancel ${order.label}`, openOrdersButtons.encode({ kind: 'cancel-order', symbol: order.symbol, orderId: order.orderId, ownerId })).row();
  }
  return keyboard;
}
/** A phone shows a long column of buttons badly; older orders are cancelled with /cancel ORDER_ID. */
export const MAX_CANCEL_BUTTONS = 20;

export const newestFirst = (a: Order, b: Order): number => (b.time ?? b.updateTime ?? 0) - (a.time ?? a.updateTime ?? 0) || b.orderId - a.orderId;

/** One line per order: `#12 · BUY BTCUSDT · LIMIT 0.00100 @ 60,000.00 · 2026-11-22 05:39 UTC`. */
export function orderLine(order: Order, info: SymbolInfo | undefined): string {
  const price = (v: string) => (info ? formatAmount(v, tickDecimals(info)) : v);
  const qty = (v: string) => (info ? formatAmount(v, stepDecimals(info, order.type)) : v);
  const parts = [`#${order.orderId}`, `<b>${order.side} ${escapeHtml(order.symbol)}</b>`, `${order.type} ${qty(order.origQty)}`];
  if (order.stopPrice !== undefined && isPositive(order.stopPrice)) parts[2] += ` stop ${price(order.stopPrice)}`;
  if (isPositive(order.price)) parts[2] += ` @ ${price(order.price)}`;
  if (isPositive(order.executedQty)) parts.push(`filled ${qty(order.executedQty)}`);
  // An OTO/OTOCO exit: not on the book until its list's entry has filled.
  if (order.status === 'PENDING_NEW') parts.push(`waits in order list ${order.orderListId} for its entry to fill`);
  const at = order.time ?? order.updateTime;
  if (at !== undefined) parts.push(formatUtc(at));
  return parts.join(' · ');
}

export async function renderOrders(orders: readonly Order[], catalog: SymbolCatalog, symbol: string | undefined): Promise<string> {
  if (orders.length === 0) return symbol ? `No open orders on ${escapeHtml(symbol)}.` : 'No open orders.';
  const infos = new Map<string, SymbolInfo | undefined>();
  for (const o of orders) if (!infos.has(o.symbol)) infos.set(o.symbol, await catalog.symbol(o.symbol));
  const title = `<b>Open orders${symbol ? ` on ${escapeHtml(symbol)}` : ''}</b> (${orders.length})`;
  const lines = [title, ...orders.map((o) => orderLine(o, infos.get(o.symbol)))];
  if (orders.length > MAX_CANCEL_BUTTONS) lines.push('', `Buttons cancel the ${MAX_CANCEL_BUTTONS} newest; use /cancel ORDER_ID for the others.`);
  return lines.join('\n');
}

export function ordersCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('orders', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 0, 1);
    const symbol = tokens[0] === undefined ? undefined : (await resolveSymbol(deps.exchangeInfo, SPEC, tokens[0])).symbol;
    const { html, keyboard } = await ordersView(deps, symbol, ctx.from!.id);
    await replyHtml(ctx, html, keyboard);
  });
  return composer;
}

/** The list with a Cancel button per order (the newest) and a Refresh row; `head` goes above it (what was just done). */
async function ordersView(deps: BotDeps, symbol: string | undefined, ownerId: number, head?: string): Promise<{ html: string; keyboard: InlineKeyboard }> {
  const orders = [...(await (deps.viewCache ?? deps.exchange).openOrders(symbol))].sort(newestFirst);
  const list = await renderOrders(orders, deps.exchangeInfo, symbol);
  const buttons = orders.slice(0, MAX_CANCEL_BUTTONS).map((o) => ({ symbol: o.symbol, orderId: o.orderId, label: `#${o.orderId} ${o.symbol}` }));
  const keyboard = withRefresh(openOrdersButtons.encode({ kind: 'refresh-orders', symbol }), buttons.length > 0 ? openOrdersKeyboard(buttons, ownerId) : undefined);
  return { html: [...(head ? [head, ''] : []), list, updatedLine(deps)].join('\n'), keyboard };
}

/** Which /orders list a pressed message is: "Open orders on SYMBOL", or all symbols. */
function scopeOfList(ctx: Context): string | undefined {
  const text = ctx.callbackQuery?.message?.text ?? '';
  return /Open orders on ([\p{Lu}\p{Lo}\p{Nd}]+)/u.exec(text)?.[1] ?? /No open orders on ([\p{Lu}\p{Lo}\p{Nd}]+)\./u.exec(text)?.[1];
}

/** 🔄 Refresh under /orders: the same scope read again, edited in place. */
export function refreshOrdersButton(deps: BotDeps): CallbackHandler<'refresh-orders'> {
  return async (ctx, action) => {
    const { html, keyboard } = await ordersView(deps, action.symbol, ctx.from!.id);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

/** The keyboard of the pressed message without the row of the pressed button. */
function withoutPressedButton(ctx: Context): InlineKeyboard {
  const rows = ctx.callbackQuery?.message?.reply_markup?.inline_keyboard ?? [];
  const data = ctx.callbackQuery?.data;
  const kept = rows
    .map((row) => row.filter((b: InlineKeyboardButton) => !('callback_data' in b) || b.callback_data !== data))
    .filter((row) => row.length > 0);
  return new InlineKeyboard(kept);
}

/** Cancel under /orders: the one order, at once; the button is bound to whoever asked for the list. */
export function cancelOrderButton(deps: BotDeps): CallbackHandler<'cancel-order'> {
  return async (ctx, action) => {
    if (ctx.from?.id !== action.ownerId) throw new AppError('CONFIRM_FOREIGN');
    let symbol = action.symbol;
    if (symbol === undefined) {
      symbol = (await deps.exchange.openOrders()).find((o) => o.orderId === action.orderId)?.symbol;
      if (symbol === undefined) throw new AppError('EXCHANGE_ORDER_NOT_FOUND', undefined, { userMessage: `Order #${action.orderId} is no longer open.` });
    }
    const text = await deps.trading.cancelOrder({ symbol, orderId: action.orderId }, requesterOf(ctx));
    return {
      answer: `Order #${action.orderId} cancelled.`,
      // The list is edited in place: what was cancelled on top, the orders still open below with
      // their buttons. One message per change: the stream's cancel alert is not pushed as well.
      after: async () => {
        try {
          const { html, keyboard } = await ordersView(deps, scopeOfList(ctx), action.ownerId, text);
          await editPressedMessage(ctx, html, keyboard);
        } catch (error) {
          // The list could not be read again: at least drop the pressed button and say what happened.
          await ctx.editMessageReplyMarkup({ reply_markup: withoutPressedButton(ctx) }).catch((e: unknown) => {
            if (!isNotModified(e)) throw e;
          });
          await replyHtml(ctx, text);
          throw error;
        }
      },
    };
  };
}


export const openOrdersFeature = defineFeature<OpenOrdersButton>({
  name: 'open-orders',
  commands: [SPEC],
  composer: ({ deps }) => ordersCommand(deps),
  buttons: openOrdersButtons,
  handlers: ({ deps }) => ({ 'cancel-order': cancelOrderButton(deps), 'refresh-orders': refreshOrdersButton(deps) }),
});
