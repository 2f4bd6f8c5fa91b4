/**
 * Where money may be shown (DESIGN.md §3 TELEGRAM_GROUPS, §8). Everyone in a group reads what
 * the bot answers there, allowed or not, so with TELEGRAM_GROUPS=off (the default) anything that
 * shows or moves the account answers only in a private chat; in a group the bot says so in one
 * sentence and nothing below runs (no exchange request, no card, no queued job).
 * TELEGRAM_GROUPS=on keeps a desk in a group working as before.
 *
 * One table per entry point, keyed by command and by button kind, so a new command or button
 * has to be classified here (test/bot/chat-scope.test.ts checks the tables are complete).
 *
 * - account (private only): /balance, /orders, /buy, /sell, /stop, /stops, /cancel, /signal (its
 *   cards move money), and also /positions, /pnl, /trades, /equity, /daily, /weekly, /monthly and
 *   /report (the account's amounts), and also
 *   /pause and /resume: they hold or release the account's orders and stops, which is acting on
 *   the account. Every button of a card, a cancel or the balance list, including cards left in a
 *   group from when groups were on: their Confirm must not reach the exchange either.
 * - market (any chat): /start, /help, /price, /top, /ta, /fractals, /alerts, /status, /backtest
 *   (history and a strategy: no account data). /status
 *   shows the mode, request weight, queue depths and the stream's health: no amounts, no
 *   positions. /alerts shows a user's own on/off choices. /fractals is a market chart, but it
 *   also draws the trader's stop and entry price: in a shared chat it is drawn without them
 *   (see accountDataHidden).
 */
import { Composer, Context } from 'grammy';
import { ERROR_CODES } from '../errors.js';
import { escapeHtml } from '../format.js';
import type { Logger } from '../logger.js';
import type { CallbackAction } from './callback-data.js';
import { decodeCallback } from './callback-data.js';

export type ChatScope = 'account' | 'market';

export const COMMAND_SCOPES: Readonly<Record<string, ChatScope>> = {
  start: 'market',
  help: 'market',
  price: 'market',
  top: 'market',
  ta: 'market',
  fractals: 'market',
  alerts: 'market',
  // A user's own price alerts: no amounts, no positions (the [Buy…] card is an account button).
  alert: 'market',
  status: 'market',
  // The button only opens the page, which signs in by itself; /app answers a group on its own.
  app: 'market',
  balance: 'account',
  orders: 'account',
  buy: 'account',
  sell: 'account',
  stop: 'account',
  stops: 'account',
  tp: 'account',
  cancel: 'account',
  pause: 'account',
  resume: 'account',
  positions: 'account',
  pnl: 'account',
  trades: 'account',
  equity: 'account',
  daily: 'account',
  weekly: 'account',
  monthly: 'account',
  report: 'account',
  backtest: 'market',
  signal: 'account',
};

export const BUTTON_SCOPES: Readonly<Record<CallbackAction['kind'], ChatScope>> = {
  'confirm-order': 'account',
  'dismiss-order': 'account',
  'retry-protection': 'account',
  'sell-unprotected': 'account',
  'cancel-order': 'account',
  'confirm-cancel': 'account',
  'dismiss-cancel': 'account',
  'balance-all': 'account',
  'top-ranking': 'market',
  'refresh-balance': 'account',
  'refresh-orders': 'account',
  'refresh-stops': 'account',
  'refresh-price': 'market',
  'refresh-status': 'market',
  'alert-setting': 'market',
  'positions-page': 'account',
  'pnl-page': 'account',
  'ledger-rebuild': 'account',
  'ledger-keep': 'account',
  'trades-page': 'account',
  'refresh-equity': 'account',
  'period-page': 'account',
  'refresh-periods': 'account',
  'refresh-signals': 'account',
  'price-alert-off': 'market',
  'refresh-price-alerts': 'market',
  'price-alert-chart': 'market',
  'price-alert-buy': 'account',
};

export const PRIVATE_CHAT_ONLY = ERROR_CODES.BOT_PRIVATE_CHAT_ONLY;

const ACCOUNT_COMMANDS = Object.entries(COMMAND_SCOPES)
  .filter(([, scope]) => scope === 'account')
  .map(([name]) => name);

/**
 * True when account data must stay out of this chat: groups are off and the chat is not a
 * private one (a button on a message without a chat, from inline mode, counts as shared).
 */
export function accountDataHidden(ctx: Context, groups: boolean): boolean {
  return !groups && ctx.chat?.type !== 'private';
}

export interface ChatScopeOptions {
  /** TELEGRAM_GROUPS=on. */
  groups: boolean;
  logger: Logger;
}

/** The guard, installed before the button router and the commands. */
export function createChatScopeGuard(options: ChatScopeOptions): Composer<Context> {
  const guard = new Composer<Context>();
  if (options.groups) return guard;
  const log = options.logger.child({ module: 'bot-chat-scope' });

  // The same predicate the commands match with (a command for another bot is not ours).
  guard.filter(Context.has.command(ACCOUNT_COMMANDS), async (ctx, next) => {
    if (!accountDataHidden(ctx, options.groups)) return next();
    log.info({ chatId: ctx.chat?.id, userId: ctx.from?.id, updateId: ctx.update.update_id }, 'account command in a shared chat: refused');
    await ctx.reply(escapeHtml(PRIVATE_CHAT_ONLY));
  });

  guard.on('callback_query:data', async (ctx, next) => {
    const decoded = decodeCallback(ctx.callbackQuery.data);
    // Unknown data is the router's to refuse, with its own reason.
    if (!decoded.ok || BUTTON_SCOPES[decoded.action.kind] !== 'account' || !accountDataHidden(ctx, options.groups)) return next();
    log.info({ chatId: ctx.chat?.id, userId: ctx.from.id, updateId: ctx.update.update_id, action: decoded.action.kind }, 'account button in a shared chat: refused');
    await ctx.answerCallbackQuery({ text: PRIVATE_CHAT_ONLY, show_alert: true });
  });

  return guard;
}
