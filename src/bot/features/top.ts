/**
 * /top [gainers|losers|volume] [N] [QUOTE]: the 24 h ranking (DESIGN.md §2), default 10 gainers
 * in USDT, N up to 50. Each line: rank, symbol, change %, last price at the symbol's tick
 * precision, quote volume in short form. Buttons under the list switch the ranking by editing
 * the same message.
 *
 * Every /top and every button press reads the one shared ticker snapshot (src/market/
 * ticker-cache.ts): the weight-80 all-symbols request goes out at most once per 30 s.
 * TOP_MIN_QUOTE_VOLUME is in USDT; for another quote it is converted with the same snapshot
 * (src/market/ranking.ts `minQuoteVolumeIn`).
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { tickDecimals } from '../../binance/filters.js';
import { editDistance } from '../../binance/symbols.js';
import type { SymbolInfo } from '../../binance/types.js';
import { decimalsOf } from '../../decimal.js';
import { AppError } from '../../errors.js';
import { escapeHtml, formatAmount, formatCompact, formatPercent, formatUtc } from '../../format.js';
import {
  minQuoteVolumeIn,
  RANKING_KINDS,
  rankingIndexOf,
  rankTickers,
  TOP_DEFAULT_LIMIT,
  TOP_DEFAULT_QUOTE,
  TOP_MAX_LIMIT,
  type RankingKind,
} from '../../market/ranking.js';
import type { TickerCache } from '../../market/ticker-cache.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { editPressedMessage, replyHtml } from '../reply.js';
import { defineButtons, defineFeature, safeInteger, SYMBOL_RE, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'top',
  description: '24h top gainers, losers or volume',
  usage: '/top [gainers|losers|volume] [N] [QUOTE]',
  example: '/top losers 20 USDT',
  details: [
    'The 24-hour ranking of pairs quoted in QUOTE (default: 10 gainers in USDT, N up to 50).',
    'Left out: symbols not trading, pairs without trades, leveraged tokens (UP/DOWN/BULL/BEAR) and pairs with little volume.',
    'Buttons under the list switch between gainers, losers and volume.',
  ],
};

/** `t:<g|l|v>:<N>:<quote>`: the same /top list (N pairs quoted in `quote`) ranked another way; the message is edited. */
export type TopButton = { kind: 'top-ranking'; by: RankingKind; limit: number; quote: string };

const TOP_LETTERS = { gainers: 'g', losers: 'l', volume: 'v' } as const;
const TOP_BY_LETTER = new Map<string, RankingKind>([
  ['g', 'gainers'],
  ['l', 'losers'],
  ['v', 'volume'],
]);

export const topButtons = defineButtons<TopButton>({
  prefixes: ['t'],
  kinds: ['top-ranking'],
  encode(action) {
    if (!Number.isInteger(action.limit) || action.limit < 1 || action.limit > TOP_MAX_LIMIT) throw new RangeError(`limit must be 1..${TOP_MAX_LIMIT}`);
    if (!SYMBOL_RE.test(action.quote)) throw new RangeError('quote must be upper-case letters and digits');
    return `t:${TOP_LETTERS[action.by]}:${action.limit}:${action.quote}`;
  },
  decode(_prefix, fields) {
    const [letter = '', limitText, quote = ''] = fields;
    const by = TOP_BY_LETTER.get(letter);
    const limit = safeInteger(limitText);
    if (fields.length !== 3 || by === undefined || limit === undefined || limit < 1 || limit > TOP_MAX_LIMIT || !SYMBOL_RE.test(quote)) return undefined;
    return { kind: 'top-ranking', by, limit, quote };
  },
});

export const DEFAULT_TOP_MIN_QUOTE_VOLUME = '100000';

export interface TopRequest {
  by: RankingKind;
  limit: number;
  quote: string;
}

const KIND_WORDS: ReadonlyMap<string, RankingKind> = new Map([
  ['gainers', 'gainers'],
  ['gainer', 'gainers'],
  ['losers', 'losers'],
  ['loser', 'losers'],
  ['volume', 'volume'],
  ['vol', 'volume'],
]);
const QUOTE_TOKEN = /^[\p{L}\p{N}]{2,20}$/u;

/**
 * The ranking a mistyped word was probably meant to be: the start of one ("gain", "los") or a
 * few typing edits away ("loosers", "volumne"). No quote asset is that close to these words.
 */
export function nearRanking(token: string): RankingKind | undefined {
  const word = token.toLowerCase();
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return undefined;
  const maxEdits = Math.max(1, Math.floor(word.length / 3));
  let best: { kind: RankingKind; edits: number } | undefined;
  for (const kind of RANKING_KINDS) {
    const edits = kind.startsWith(word) ? 0 : editDistance(word, kind, maxEdits);
    if (edits <= maxEdits && (best === undefined || edits < best.edits)) best = { kind, edits };
  }
  return best?.kind;
}

/** Arguments in any order: one ranking word, one number, one quote asset. */
export function parseTopArgs(text: string): TopRequest {
  const tokens = tokenize(text);
  expectTokens(SPEC, tokens, 0, 3);
  let by: RankingKind | undefined;
  let limit: number | undefined;
  let quote: string | undefined;
  for (const token of tokens) {
    const kind = KIND_WORDS.get(token.toLowerCase());
    if (kind !== undefined) {
      if (by !== undefined) throw argumentError(SPEC, 'Give one ranking: gainers, losers or volume.');
      by = kind;
    } else if (/^\d+$/.test(token)) {
      if (limit !== undefined) throw argumentError(SPEC, 'Give one number of pairs.');
      const n = Number(token);
      if (n < 1 || n > TOP_MAX_LIMIT) throw argumentError(SPEC, `N must be between 1 and ${TOP_MAX_LIMIT}.`);
      limit = n;
    } else if (nearRanking(token) !== undefined) {
      // "/top loosers" is a typo of a ranking, not a currency called LOOSERS.
      const meant = nearRanking(token)!;
      const example = `/top ${tokens.map((t) => (t === token ? meant : t)).join(' ')}`;
      throw argumentError(SPEC, `"${quoteInput(token)}" is not a ranking. Did you mean ${meant}?`, example);
    } else if (QUOTE_TOKEN.test(token) && /\p{L}/u.test(token)) {
      if (quote !== undefined) throw argumentError(SPEC, `"${quoteInput(token)}" is not a ranking (gainers, losers, volume), and there is already a quote asset.`);
      quote = token.toUpperCase();
    } else {
      throw argumentError(SPEC, `"${quoteInput(token)}" is not a ranking, a number or a quote asset.`);
    }
  }
  return { by: by ?? 'gainers', limit: limit ?? TOP_DEFAULT_LIMIT, quote: quote ?? TOP_DEFAULT_QUOTE };
}

const TITLES: Record<RankingKind, string> = { gainers: 'gainers', losers: 'losers', volume: 'by volume' };
const BUTTON_LABELS: Record<RankingKind, string> = { gainers: '📈 Gainers', losers: '📉 Losers', volume: '💰 Volume' };

/** `[Gainers] [Losers] [Volume]`, the shown one marked; each keeps N and the quote. */
export function topKeyboard(request: TopRequest): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const by of RANKING_KINDS) {
    const label = by === request.by ? `• ${BUTTON_LABELS[by]}` : BUTTON_LABELS[by];
    keyboard.text(label, topButtons.encode({ kind: 'top-ranking', by, limit: request.limit, quote: request.quote }));
  }
  return keyboard;
}

export interface TopMarket {
  tickers: TickerCache;
  exchangeInfo: BotDeps['exchangeInfo'];
  /** In USDT. */
  minQuoteVolume: string;
}

/** The message text for a request, from the shared snapshot. */
export async function renderTop(market: TopMarket, request: TopRequest): Promise<string> {
  const [info, snapshot] = await Promise.all([market.exchangeInfo.get(), market.tickers.get()]);
  const index = rankingIndexOf(info.symbols);
  const quote = escapeHtml(request.quote);
  if (!index.quotes.has(request.quote)) {
    const common = ['USDT', 'USDC', 'FDUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY'].filter((q) => index.quotes.has(q));
    const close = [...index.quotes].find((q) => editDistance(request.quote, q, 1) <= 1);
    const hint = close !== undefined ? ` Did you mean ${close}?` : ` Try ${common.join(', ')}.`;
    const example = close !== undefined ? `/top ${request.by} ${request.limit} ${close}` : SPEC.example;
    throw argumentError(SPEC, `No trading pair is quoted in ${quoteInput(request.quote)}.${hint}`, example);
  }
  const minVolume = minQuoteVolumeIn(request.quote, market.minQuoteVolume, snapshot.tickers);
  const rows = rankTickers(snapshot.tickers, index, { ...request, minQuoteVolume: minVolume ?? '0' });

  const lines = [`<b>Top ${rows.length} ${TITLES[request.by]} · ${quote}</b> · 24h`];
  if (rows.length === 0) lines.push(`No ${quote} pair passes the filters right now.`);
  for (const row of rows) {
    const symbol = index.get(row.symbol)!.info;
    lines.push(
      `${row.rank}. <b>${escapeHtml(row.symbol)}</b> ${formatPercent(row.changePercent)} · ${formatAmount(row.lastPrice, priceDecimals(symbol, row.lastPrice))} · vol ${formatCompact(row.quoteVolume)}`,
    );
  }
  lines.push('');
  lines.push(
    minVolume === undefined
      ? `No ${quote} price in USDT to convert the minimum volume: every pair with trades is listed.`
      : `Left out: pairs under ${formatCompact(minVolume)} ${quote} of 24h volume, leveraged tokens, symbols not trading.`,
  );
  lines.push(
    snapshot.stale
      ? `⚠️ Prices as of ${formatUtc(snapshot.fetchedAt)}: the exchange did not answer the last refresh.`
      : `As of ${formatUtc(snapshot.fetchedAt)}.`,
  );
  return lines.join('\n');
}

/**
 * The symbol's tick precision, or more when the price has more digits: a tick size changed since
 * exchangeInfo was loaded must not round a last price into a different number.
 */
function priceDecimals(symbol: SymbolInfo, price: string): number {
  return Math.max(tickDecimals(symbol), decimalsOf(price));
}

export function topMarketOf(deps: BotDeps, tickers: TickerCache): TopMarket {
  return { tickers, exchangeInfo: deps.exchangeInfo, minQuoteVolume: deps.settings.topMinQuoteVolume ?? DEFAULT_TOP_MIN_QUOTE_VOLUME };
}

export function topCommand(deps: BotDeps, tickers: TickerCache): Composer<Context> {
  const market = topMarketOf(deps, tickers);
  const composer = new Composer<Context>();
  composer.command('top', async (ctx) => {
    const request = parseTopArgs(ctx.match);
    await replyHtml(ctx, await renderTop(market, request), topKeyboard(request));
  });
  return composer;
}

/** Gainers / Losers / Volume under a /top list: the same message, ranked the other way. */
export function topRankingButton(deps: BotDeps, tickers: TickerCache): CallbackHandler<'top-ranking'> {
  const market = topMarketOf(deps, tickers);
  return async (ctx, action) => {
    const request: TopRequest = { by: action.by, limit: action.limit, quote: action.quote };
    let html: string;
    try {
      html = await renderTop(market, request);
    } catch (error) {
      // A quote delisted since the list was sent: the usage line means nothing on a button.
      if (error instanceof AppError && error.code === 'BOT_BAD_ARGUMENTS') throw new AppError('BOT_BAD_ARGUMENTS', error.message, { userMessage: error.userMessage.split('\n')[0] });
      throw error;
    }
    return { after: () => editPressedMessage(ctx, html, topKeyboard(request)) };
  };
}

export const topFeature = defineFeature<TopButton>({
  name: 'top',
  commands: [SPEC],
  composer: ({ deps, tickers }) => topCommand(deps, tickers),
  buttons: topButtons,
  handlers: ({ deps, tickers }) => ({ 'top-ranking': topRankingButton(deps, tickers) }),
});
