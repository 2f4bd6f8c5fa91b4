/**
 * /price SYMBOL: last price, 24h change and range, and the average price (DESIGN.md §2), at the
 * symbol's tick precision.
 */
import { Composer, type Context, type InlineKeyboard } from 'grammy';
import { AppError } from '../../errors.js';
import { tickDecimals } from '../../binance/filters.js';
import type { AvgPrice, SymbolInfo, Ticker24h } from '../../binance/types.js';
import { abs } from '../../decimal.js';
import { escapeHtml, formatAmount, formatCompact, formatPercent, formatQuantity, formatUtc } from '../../format.js';
import { renderTradingRules } from '../../market/price-summary.js';
import type { BotDeps } from '../bot-deps.js';
import { expectTokens, tokenize } from '../command-args.js';
import { editPressedMessage, replyHtml } from '../reply.js';
import type { CallbackHandler } from '../callback-router.js';
import { withRefresh } from '../keyboards.js';
import { resolveSymbol } from '../symbol-arg.js';
import { defineButtons, defineFeature, SYMBOL_RE, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'price',
  description: 'Last price, 24h change and range',
  usage: '/price SYMBOL',
  example: '/price BTCUSDT',
  details: [
    'Last price, 24-hour change, high and low, and the average price.',
    'Also the trading rules an order must meet: price tick, quantity step and minimum order value.',
    'BTCUSDT, btcusdt, BTC/USDT and BTC-USDT all work.',
  ],
};

/** `r:p:<symbol>` refreshes /price SYMBOL in place. */
export type PriceButton = { kind: 'refresh-price'; symbol: string };

export const priceButtons = defineButtons<PriceButton>({
  prefixes: ['r:p'],
  kinds: ['refresh-price'],
  encode(action) {
    if (!SYMBOL_RE.test(action.symbol)) throw new RangeError('symbol must be upper-case letters and digits');
    return `r:p:${action.symbol}`;
  },
  decode: (_prefix, fields) => (fields.length === 1 && SYMBOL_RE.test(fields[0]!) ? { kind: 'refresh-price', symbol: fields[0]! } : undefined),
});

export function renderPrice(info: SymbolInfo, ticker: Ticker24h, average: AvgPrice): string {
  const decimals = tickDecimals(info);
  const quote = escapeHtml(info.quoteAsset);
  const price = (value: string) => formatAmount(value, decimals);
  const change = ticker.priceChange.startsWith('-') ? `−${price(abs(ticker.priceChange))}` : `+${price(ticker.priceChange)}`;
  return [
    `<b>${escapeHtml(info.symbol)}</b> ${price(ticker.lastPrice)} ${quote}`,
    `24h change: <b>${formatPercent(ticker.priceChangePercent)}</b> (${change} ${quote})`,
    `24h range: ${price(ticker.lowPrice)} – ${price(ticker.highPrice)}`,
    `Average price (${average.mins} min): ${price(average.price)}`,
    `24h volume: ${formatQuantity(ticker.volume)} ${escapeHtml(info.baseAsset)} · ${formatCompact(ticker.quoteVolume)} ${quote}`,
    renderTradingRules(info),
    `As of ${formatUtc(ticker.closeTime, true)}`,
  ].join('\n');
}

export function priceCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('price', async (ctx) => {
    const tokens = tokenize(ctx.match);
    expectTokens(SPEC, tokens, 1, 1);
    const info = await resolveSymbol(deps.exchangeInfo, SPEC, tokens[0]!);
    await replyHtml(ctx, ...(await priceView(deps, info)));
  });
  return composer;
}

async function priceView(deps: BotDeps, info: SymbolInfo): Promise<[string, InlineKeyboard]> {
  const [ticker, average] = await Promise.all([deps.exchange.ticker24h(info.symbol), deps.exchange.avgPrice(info.symbol)]);
  return [renderPrice(info, ticker, average), withRefresh(priceButtons.encode({ kind: 'refresh-price', symbol: info.symbol }))];
}

/** 🔄 Refresh under /price: the same symbol read again, edited in place. */
export function refreshPriceButton(deps: BotDeps): CallbackHandler<'refresh-price'> {
  return async (ctx, action) => {
    const info = await deps.exchangeInfo.symbol(action.symbol);
    if (!info) throw new AppError('EXCHANGE_UNKNOWN_SYMBOL', action.symbol, { userMessage: `The exchange no longer lists ${action.symbol}.` });
    const [html, keyboard] = await priceView(deps, info);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const priceFeature = defineFeature<PriceButton>({
  name: 'price',
  commands: [SPEC],
  composer: ({ deps }) => priceCommand(deps),
  buttons: priceButtons,
  handlers: ({ deps }) => ({ 'refresh-price': refreshPriceButton(deps) }),
});
