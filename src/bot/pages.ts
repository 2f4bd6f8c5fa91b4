/**
 * Views longer than one Telegram message, shown a page at a time in one message (DESIGN.md §2):
 * the view's blocks are packed into pages under the limit, each with the view's header and
 * footer, and the message's ◀ ▶ buttons (the feature's own callback data) edit it to another
 * page. Unlike a reply split into several messages, a paged view keeps working with Refresh.
 */
import { InlineKeyboard } from 'grammy';
import { TELEGRAM_TEXT_LIMIT } from '../format.js';

/** Room left for the page marker and a little slack. */
const PAGE_LIMIT = TELEGRAM_TEXT_LIMIT - 96;

/** Packs `blocks` (each a few lines) into pages of at most the limit, header and footer included. */
export function paginate(header: string, blocks: readonly string[], footer: string, limit = PAGE_LIMIT): string[] {
  const room = limit - header.length - footer.length - 2;
  const pages: string[][] = [[]];
  let used = 0;
  for (const block of blocks) {
    const text = block.length > room ? `${block.slice(0, room - 1)}…` : block;
    const current = pages[pages.length - 1]!;
    if (current.length > 0 && used + text.length + 1 > room) {
      pages.push([text]);
      used = text.length + 1;
    } else {
      current.push(text);
      used += text.length + 1;
    }
  }
  return pages.map((p, i) => [header, ...p, ...(pages.length > 1 ? [`<i>Page ${i + 1} of ${pages.length}</i>`] : []), footer].filter((l) => l !== '').join('\n'));
}

/** The page asked for, clamped to the pages there are (a list that shrank since the button was sent). */
export function pickPage(pages: readonly string[], page: number): { html: string; page: number; pages: number } {
  const index = Math.min(Math.max(0, page), pages.length - 1);
  return { html: pages[index]!, page: index, pages: pages.length };
}

/** ◀ ▶ for the neighbours of `page`, then 🔄 Refresh of `page` itself. */
export function pageKeyboard(page: number, pages: number, data: (page: number) => string): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (page > 0) keyboard.text('◀ Previous', data(page - 1));
  if (page < pages - 1) keyboard.text('Next ▶', data(page + 1));
  if (pages > 1) keyboard.row();
  return keyboard.text('🔄 Refresh', data(page));
}
