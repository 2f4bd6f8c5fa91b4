/**
 * Inline keyboards. Button data always comes from the codec (callback-data.ts), never built by
 * hand, so every button the bot sends is one it can decode.
 */
import { InlineKeyboard } from 'grammy';
import type { PreparedCard } from '../trading/types.js';
import { decodeCallback, encodeCallback, type CallbackAction } from './callback-data.js';

/** `[Confirm] [Cancel]` under an order card, with the data the trading service made for it. */
export function orderCardKeyboard(card: Pick<PreparedCard, 'intentId' | 'confirmData' | 'cancelData'>): InlineKeyboard {
  // A button this bot could not decode would be a dead button on a live order card: refuse to send it.
  const confirm = decodeCallback(card.confirmData);
  const cancel = decodeCallback(card.cancelData);
  if (!confirm.ok || confirm.action.kind !== 'confirm-order' || confirm.action.intentId !== card.intentId || !cancel.ok || cancel.action.kind !== 'dismiss-order') {
    throw new Error(`order card ${card.intentId} came with button data the bot cannot decode`);
  }
  return new InlineKeyboard().text('✅ Confirm', card.confirmData).text('✖️ Cancel', card.cancelData);
}

/** `[Cancel N orders] [Keep them]` under a multi-order /cancel. */
export function cancelManyKeyboard(cancelId: string, count: number): InlineKeyboard {
  return new InlineKeyboard()
    .text(`✅ Cancel ${count} orders`, encodeCallback({ kind: 'confirm-cancel', cancelId }))
    .text('✖️ Keep them', encodeCallback({ kind: 'dismiss-cancel', cancelId }));
}

export interface CancelButtonOrder {
  symbol: string;
  orderId: number;
  label: string;
}

/** One `Cancel …` button per order, one per row (a phone shows long rows badly). */
export function openOrdersKeyboard(orders: readonly CancelButtonOrder[], ownerId: number): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const order of orders) {
    keyboard.text(`✖️ Cancel ${order.label}`, encodeCallback({ kind: 'cancel-order', symbol: order.symbol, orderId: order.orderId, ownerId })).row();
  }
  return keyboard;
}

export function showAllBalancesKeyboard(): InlineKeyboard {
  return new InlineKeyboard().text('Show all', encodeCallback({ kind: 'balance-all' }));
}

type RefreshAction = Extract<CallbackAction, { kind: `refresh-${string}` }>;

/** A `🔄 Refresh` row under a view whose data goes stale, below any buttons it already has. */
export function withRefresh(action: RefreshAction, keyboard: InlineKeyboard = new InlineKeyboard()): InlineKeyboard {
  const hasRows = keyboard.inline_keyboard.some((row) => row.length > 0);
  if (hasRows && keyboard.inline_keyboard.at(-1)!.length > 0) keyboard.row();
  return keyboard.text('🔄 Refresh', encodeCallback(action));
}
