/**
 * What every view's keyboard shares. Button data always comes from a feature's schema
 * (features/*.ts `…Buttons.encode`), never built by hand, so every button the bot sends is one it
 * can decode.
 */
import { InlineKeyboard } from 'grammy';

/** A `🔄 Refresh` row (data from the view's feature) under a view whose data goes stale, below any buttons it already has. */
export function withRefresh(data: string, keyboard: InlineKeyboard = new InlineKeyboard()): InlineKeyboard {
  const hasRows = keyboard.inline_keyboard.some((row) => row.length > 0);
  if (hasRows && keyboard.inline_keyboard.at(-1)!.length > 0) keyboard.row();
  return keyboard.text('🔄 Refresh', data);
}
