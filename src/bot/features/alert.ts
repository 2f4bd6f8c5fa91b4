/**
 * /alert (DESIGN.md §2, §6b): price and indicator alerts a trader sets, lists and removes. The
 * alerts live in Redis (src/alerts/price-alert-store.ts); a worker watching the symbol's market
 * streams fires each exactly once (src/alerts/price-alert-service.ts) with [Chart] and [Buy…]
 * buttons, whose schema is this file's. Not /alerts, which switches notification kinds.
 *
 *   /alert SYMBOL above|below PRICE [repeat]
 *   /alert SYMBOL move N% [WINDOW] [repeat]        WINDOW 1m…24h, default 1h
 *   /alert SYMBOL rsi<N|rsi>N [INTERVAL] [repeat]  RSI(14) crossing N on a closed candle
 *   /alert SYMBOL macd [INTERVAL] [repeat]         MACD(12,26,9) crossing its signal
 *   /alert list | /alert off ID|all
 *
 * An above/below level the price is already past is refused with the price (it would ring at
 * once); ALERTS_PER_USER caps how many a user holds, checked in the same Lua step that stores one.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { tickDecimals } from '../../binance/filters.js';
import type { KlineInterval, SymbolInfo } from '../../binance/types.js';
import { gte, lte, sub, div, mul } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { escapeHtml, formatPercent } from '../../format.js';
import { createPriceAlertStore, type PriceAlertStore } from '../../alerts/price-alert-store.js';
import { alertLine, conditionText, priceFormat } from '../../alerts/price-alert-text.js';
import { intervalOf, type PriceAlert, type PriceAlertCondition } from '../../alerts/price-alert-types.js';
import type { AlertJob } from '../../trading/types.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, quoteInput, tokenize } from '../command-args.js';
import { withRefresh } from '../keyboards.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { requesterOf } from '../requester.js';
import { ALERT_EXAMPLES, parseAlertCommand } from './alert-args.js';
import { assertUint, defineButtons, defineFeature, safeInteger, SYMBOL_RE, type CommandSpec } from './feature.js';
import { replyFractalsChart } from './fractals.js';
import { orderCardKeyboard } from './orders.js';

/** ALERTS_PER_USER's default (DESIGN.md §3). */
export const DEFAULT_ALERTS_PER_USER = 50;
/** What the [Buy…] card proposes, in the pair's quote when it is a dollar stablecoin. */
export const ALERT_BUY_QUOTE = '100';
const DOLLAR_QUOTES = new Set(['USDT', 'USDC', 'FDUSD', 'TUSD', 'BUSD', 'USDP', 'DAI', 'USD']);

const SPEC: CommandSpec = {
  name: 'alert',
  description: 'Price and indicator alerts: set, list, remove',
  usage: '/alert SYMBOL above|below|move|rsi<N|rsi>N|macd … [repeat]',
  example: '/alert BTCUSDT above 120000',
  details: [
    '/alert SYMBOL above PRICE, /alert SYMBOL below PRICE: when a trade reaches the level.',
    '/alert SYMBOL move N% [WINDOW]: when the price moves N% up or down within WINDOW (1m to 24h, default 1h).',
    '/alert SYMBOL rsi<N or rsi>N [INTERVAL]: when RSI(14) crosses N on a closed candle (default interval 4h).',
    '/alert SYMBOL macd [INTERVAL]: when MACD(12,26,9) crosses its signal line on a closed candle.',
    'Add repeat to keep the alert after it rings: it re-arms once the price has moved back. Otherwise it rings once and is removed.',
    '/alert list shows yours with an Off button each; /alert off ID or /alert off all removes them.',
  ],
};

/**
 * `pa:x:<id>:<ownerId>` removes one alert (list edited in place); `r:pa:<ownerId>` refreshes the
 * list; `pa:c:<symbol>:<interval>` sends the /fractals chart; `pa:b:<symbol>` a buy card.
 */
export type PriceAlertButton =
  | { kind: 'price-alert-off'; id: string; ownerId: number }
  | { kind: 'refresh-price-alerts'; ownerId: number }
  | { kind: 'price-alert-chart'; symbol: string; interval: KlineInterval }
  | { kind: 'price-alert-buy'; symbol: string };

const ALERT_ID_RE = /^[1-9]\d{0,15}$/;

export const priceAlertButtons = defineButtons<PriceAlertButton>({
  prefixes: ['pa:x', 'r:pa', 'pa:c', 'pa:b'],
  kinds: ['price-alert-off', 'refresh-price-alerts', 'price-alert-chart', 'price-alert-buy'],
  encode(action) {
    switch (action.kind) {
      case 'price-alert-off':
        assertUint(action.ownerId, 'ownerId');
        return `pa:x:${action.id}:${action.ownerId}`;
      case 'refresh-price-alerts':
        assertUint(action.ownerId, 'ownerId');
        return `r:pa:${action.ownerId}`;
      case 'price-alert-chart':
        return `pa:c:${action.symbol}:${action.interval}`;
      case 'price-alert-buy':
        return `pa:b:${action.symbol}`;
    }
  },
  decode(prefix, fields) {
    if (prefix === 'pa:x') {
      const [id = '', owner] = fields;
      const ownerId = safeInteger(owner);
      return fields.length === 2 && ALERT_ID_RE.test(id) && ownerId !== undefined ? { kind: 'price-alert-off', id, ownerId } : undefined;
    }
    if (prefix === 'r:pa') {
      const ownerId = safeInteger(fields[0]);
      return fields.length === 1 && ownerId !== undefined ? { kind: 'refresh-price-alerts', ownerId } : undefined;
    }
    const symbol = fields[0] ?? '';
    if (!SYMBOL_RE.test(symbol)) return undefined;
    if (prefix === 'pa:b') return fields.length === 1 ? { kind: 'price-alert-buy', symbol } : undefined;
    const interval = fields[1];
    if (fields.length !== 2 || interval === undefined || !/^\d+[mhdwM]$/.test(interval)) return undefined;
    return { kind: 'price-alert-chart', symbol, interval: interval as KlineInterval };
  },
});

/** The buttons under a fired alert (the worker's alert job carries them). */
export function priceAlertFireButtons(alert: PriceAlert): AlertJob['buttons'] {
  const interval = intervalOf(alert.condition) ?? '1h';
  return [
    [
      { text: '📈 Chart', data: priceAlertButtons.encode({ kind: 'price-alert-chart', symbol: alert.symbol, interval }) },
      { text: '🛒 Buy…', data: priceAlertButtons.encode({ kind: 'price-alert-buy', symbol: alert.symbol }) },
    ],
  ];
}

const storeOf = (deps: BotDeps): PriceAlertStore => createPriceAlertStore({ redis: deps.redis, prefix: deps.keyPrefix });
const limitOf = (deps: BotDeps): number => deps.settings.alertsPerUser ?? DEFAULT_ALERTS_PER_USER;

function listKeyboard(alerts: readonly PriceAlert[], ownerId: number): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  alerts.forEach((a, i) => {
    keyboard.text(`✖️ Off #${a.id}`, priceAlertButtons.encode({ kind: 'price-alert-off', id: a.id, ownerId }));
    if (i % 3 === 2) keyboard.row();
  });
  return withRefresh(priceAlertButtons.encode({ kind: 'refresh-price-alerts', ownerId }), keyboard);
}

async function formats(deps: BotDeps, alerts: readonly PriceAlert[]): Promise<Map<string, ReturnType<typeof priceFormat>>> {
  const out = new Map<string, ReturnType<typeof priceFormat>>();
  for (const symbol of new Set(alerts.map((a) => a.symbol))) {
    const info = await deps.exchangeInfo.symbol(symbol).catch(() => undefined);
    out.set(symbol, priceFormat(info ? tickDecimals(info) : undefined));
  }
  return out;
}

async function listView(deps: BotDeps, userId: number, removed?: PriceAlert): Promise<{ html: string; keyboard: InlineKeyboard }> {
  const alerts = await storeOf(deps).list(userId);
  const fmt = await formats(deps, removed ? [...alerts, removed] : alerts);
  const lines: string[] = [];
  if (removed) lines.push(`Removed: ${alertLine(removed, fmt.get(removed.symbol)!)}`, '');
  if (alerts.length === 0) lines.push(`No price alerts. Set one with <code>${ALERT_EXAMPLES.level}</code>.`);
  else {
    lines.push(`<b>Your price alerts</b> (${alerts.length} of ${limitOf(deps)})`);
    for (const a of alerts) lines.push(alertLine(a, fmt.get(a.symbol)!));
  }
  lines.push(updatedLine(deps));
  return { html: lines.join('\n'), keyboard: listKeyboard(alerts, userId) };
}

/** Refuses a level the price is already past: the alert would ring at once. */
async function checkLevel(deps: BotDeps, info: SymbolInfo, condition: PriceAlertCondition): Promise<string | undefined> {
  if (condition.kind !== 'above' && condition.kind !== 'below') return undefined;
  const last = (await deps.exchange.tickerPrice(info.symbol)).price;
  const fmt = priceFormat(tickDecimals(info));
  if (condition.kind === 'above' ? gte(last, condition.level) : lte(last, condition.level)) {
    throw new AppError('BOT_BAD_ARGUMENTS', `/alert: level already ${condition.kind === 'above' ? 'reached' : 'passed'}`, {
      userMessage: `${info.symbol} is already ${condition.kind === 'above' ? 'at or above' : 'at or below'} ${fmt(condition.level)} (last ${fmt(last)}): the alert would ring at once. Choose a level ${condition.kind === 'above' ? 'above' : 'below'} the price, or use ${condition.kind === 'above' ? 'below' : 'above'}.\nExample: ${ALERT_EXAMPLES.level}`,
    });
  }
  return `now ${fmt(last)}, ${formatPercent(mul(div(sub(condition.level, last), last, 8), '100'))} away`;
}

export function alertCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('alert', async (ctx) => {
    const requester = requesterOf(ctx);
    const tokens = tokenize(ctx.match);
    const first = tokens[0]?.toLowerCase();
    if (tokens.length === 0) throw argumentError(SPEC, 'SYMBOL and a condition are missing.');
    const store = storeOf(deps);
    if (first === 'list') {
      if (tokens.length > 1) throw argumentError(SPEC, `Too many arguments: "${quoteInput(tokens.slice(1).join(' '))}" is not expected after list.`, '/alert list');
      const { html, keyboard } = await listView(deps, requester.userId);
      await replyHtml(ctx, html, keyboard);
      return;
    }
    if (first === 'off') {
      const target = tokens[1]?.toLowerCase();
      if (target === undefined || tokens.length > 2 || (target !== 'all' && !ALERT_ID_RE.test(target.replace(/^#/, '')))) {
        throw argumentError(SPEC, 'Say which alert to remove: its number from /alert list, or all.', ALERT_EXAMPLES.off);
      }
      const removed = target === 'all' ? await store.removeAll(requester.userId) : await store.remove(requester.userId, [target.replace(/^#/, '')]);
      if (target === 'all') await replyHtml(ctx, removed.length === 0 ? 'You had no price alerts.' : `Removed your ${removed.length} price alert${removed.length === 1 ? '' : 's'}.`);
      else if (removed.length === 0) await replyHtml(ctx, `You have no alert #${escapeHtml(target.replace(/^#/, ''))}. See /alert list.`);
      else await replyHtml(ctx, `Removed: ${alertLine(removed[0]!, (await formats(deps, removed)).get(removed[0]!.symbol)!)}`);
      return;
    }
    const parsed = await parseAlertCommand(deps, SPEC, tokens);
    const distance = await checkLevel(deps, parsed.info, parsed.condition);
    const created = await store.create({ userId: requester.userId, chatId: requester.chatId, symbol: parsed.info.symbol, condition: parsed.condition, repeat: parsed.repeat }, limitOf(deps));
    if (created.status === 'limit') {
      await replyHtml(ctx, `You already have ${created.count} price alerts, the most allowed (ALERTS_PER_USER ${limitOf(deps)}). Remove some with /alert list first.`);
      return;
    }
    const fmt = priceFormat(tickDecimals(parsed.info));
    const a = created.alert;
    await replyHtml(
      ctx,
      [
        `🔔 Alert <b>#${escapeHtml(a.id)}</b> set: ${escapeHtml(a.symbol)} ${escapeHtml(conditionText(a.condition, fmt))}${distance ? ` (${distance})` : ''}.`,
        a.repeat ? 'It rings each time, re-arming once the price has moved back.' : 'It rings once, then is removed.',
        `Remove it with <code>/alert off ${escapeHtml(a.id)}</code>; see all with /alert list.`,
      ].join('\n'),
    );
  });
  return composer;
}

function offButton(deps: BotDeps): CallbackHandler<'price-alert-off'> {
  return async (ctx, action) => {
    if (ctx.from?.id !== action.ownerId) throw new AppError('CONFIRM_FOREIGN', undefined, { userMessage: 'This is someone else’s alert. Send /alert list for yours.' });
    const [removed] = await storeOf(deps).remove(action.ownerId, [action.id]);
    const { html, keyboard } = await listView(deps, action.ownerId, removed);
    return { answer: removed ? `Alert #${action.id} removed.` : `Alert #${action.id} was already gone.`, after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

function refreshButton(deps: BotDeps): CallbackHandler<'refresh-price-alerts'> {
  return async (ctx, action) => {
    if (ctx.from?.id !== action.ownerId) throw new AppError('CONFIRM_FOREIGN', undefined, { userMessage: 'This is someone else’s list. Send /alert list for yours.' });
    const { html, keyboard } = await listView(deps, action.ownerId);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

function chartButton(deps: BotDeps): CallbackHandler<'price-alert-chart'> {
  return async (ctx, action) => {
    const info = await deps.exchangeInfo.symbol(action.symbol);
    if (!info) throw new AppError('EXCHANGE_UNKNOWN_SYMBOL', `unknown symbol ${action.symbol}`, { userMessage: `The exchange no longer lists ${action.symbol}.` });
    return { answer: `Drawing ${action.symbol} ${action.interval}…`, after: () => replyFractalsChart(ctx, deps, info, action.interval) };
  };
}

function buyButton(deps: BotDeps): CallbackHandler<'price-alert-buy'> {
  return async (ctx, action) => {
    const info = await deps.exchangeInfo.symbol(action.symbol);
    if (!info) throw new AppError('EXCHANGE_UNKNOWN_SYMBOL', `unknown symbol ${action.symbol}`, { userMessage: `The exchange no longer lists ${action.symbol}.` });
    if (!DOLLAR_QUOTES.has(info.quoteAsset)) {
      return { answer: `Send /buy ${info.symbol} AMOUNT, e.g. /buy ${info.symbol} 0.1${info.quoteAsset}.`, alert: true };
    }
    // The normal card path: priced, filter-checked, [Confirm] [Cancel]; nothing leaves before Confirm.
    const card = await deps.trading.prepareOrder({ symbol: info.symbol, side: 'BUY', amount: { kind: 'quote', quoteQty: ALERT_BUY_QUOTE, asset: info.quoteAsset } }, requesterOf(ctx));
    return {
      answer: `A card for ${ALERT_BUY_QUOTE} ${info.quoteAsset}. Another amount: /buy ${info.symbol} AMOUNT.`,
      after: async () => {
        const message = await replyHtml(ctx, card.text, orderCardKeyboard(card));
        await deps.trading.attachCard(card.intentId, message.message_id);
      },
    };
  };
}

export const alertFeature = defineFeature<PriceAlertButton>({
  name: 'alert',
  commands: [SPEC],
  composer: ({ deps }) => alertCommand(deps),
  buttons: priceAlertButtons,
  handlers: ({ deps }) => ({
    'price-alert-off': offButton(deps),
    'refresh-price-alerts': refreshButton(deps),
    'price-alert-chart': chartButton(deps),
    'price-alert-buy': buyButton(deps),
  }),
});
