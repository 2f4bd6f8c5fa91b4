/**
 * /trades [SYMBOL] [N] (DESIGN.md §2): the last N fills (default 10, at most 500), newest first:
 * time, side, quantity, price, fee, and the realized P&L of each sell in VALUATION_ASSET. Read
 * from the ledger alone (no exchange request); long lists page in place.
 */
import { Composer, type Context } from 'grammy';
import { formatAmount, formatQuantity, formatUtc, escapeHtml } from '../../format.js';
import { tickDecimals } from '../../binance/filters.js';
import type { SymbolInfo } from '../../binance/types.js';
import type { LedgerFill } from '../../ledger/ledger-types.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { pageKeyboard, paginate, pickPage } from '../pages.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { defineButtons, defineFeature, safeInteger, type CommandSpec } from './feature.js';
import { checkFilter, signedMoney, valuationAssetOf } from './ledger-text.js';

const SPEC: CommandSpec = {
  name: 'trades',
  description: 'The last fills with fees and realized P&L',
  usage: '/trades [SYMBOL] [N]',
  example: '/trades BTCUSDT 20',
  details: [
    'The last N fills (default 10, at most 500), newest first: time (UTC), side, quantity, price, fee, and the realized P&L of each sell.',
    'SYMBOL is a pair (BTCUSDT) or an asset (BTC).',
  ],
};

const DEFAULT_N = 10;
const MAX_N = 500;
const FILTER_RE = /^[A-Z0-9]{2,20}$/;

/** `lt:<filter|->:<N>:<page>`: that page of /trades read again. */
export type TradesButton = { kind: 'trades-page'; filter?: string; n: number; page: number };

export const tradesButtons = defineButtons<TradesButton>({
  prefixes: ['lt'],
  kinds: ['trades-page'],
  encode: (a) => `lt:${a.filter ?? '-'}:${a.n}:${a.page}`,
  decode(_prefix, fields) {
    if (fields.length !== 3) return undefined;
    const filter = fields[0]!;
    const n = safeInteger(fields[1]);
    const page = safeInteger(fields[2]);
    if (n === undefined || n < 1 || n > MAX_N || page === undefined || page > 999 || (filter !== '-' && !FILTER_RE.test(filter))) return undefined;
    return { kind: 'trades-page', ...(filter !== '-' ? { filter } : {}), n, page };
  },
});

export function parseTradesCommand(match: string): { filter?: string; n: number } {
  const tokens = tokenize(match);
  expectTokens(SPEC, tokens, 0, 2);
  let filter: string | undefined;
  let n: number | undefined;
  for (const token of tokens) {
    if (/^\d+$/.test(token)) {
      const value = safeInteger(token);
      if (n !== undefined) throw argumentError(SPEC, 'Give one N at most.');
      if (value === undefined || value < 1 || value > MAX_N) throw argumentError(SPEC, `N must be between 1 and ${MAX_N}.`);
      n = value;
    } else if (/^[A-Za-z]/.test(token) && FILTER_RE.test(token.toUpperCase())) {
      if (filter !== undefined) throw argumentError(SPEC, 'Give one SYMBOL at most.');
      filter = token.toUpperCase();
    } else {
      throw argumentError(SPEC, `"${quoteInput(token)}" is neither a symbol nor a number of fills.`);
    }
  }
  return { ...(filter ? { filter } : {}), n: n ?? DEFAULT_N };
}

function fillLine(f: LedgerFill, info: SymbolInfo | undefined, v: string): string {
  const price = info ? formatAmount(f.price, tickDecimals(info)) : formatQuantity(f.price);
  const quote = info ? ` ${escapeHtml(info.quoteAsset)}` : '';
  const fee = f.commissionAsset !== '' && f.commission !== '0' ? ` · fee ${escapeHtml(formatQuantity(f.commission))} ${escapeHtml(f.commissionAsset)}` : '';
  const side = f.side === 'BUY' ? '🟢 BUY' : '🔴 SELL';
  let result = '';
  if (f.side === 'SELL') {
    const pnl = f.realizedPnl !== undefined ? ` · P&amp;L <b>${signedMoney(f.realizedPnl, v)}</b>` : '';
    const unknown = f.unknownQty !== undefined ? ` · entry unknown for ${escapeHtml(formatQuantity(f.unknownQty))}` : '';
    result = `${pnl}${unknown}`;
  }
  return `${formatUtc(f.time).replace(' UTC', '')} ${side} ${escapeHtml(formatQuantity(f.qty))} <b>${escapeHtml(f.symbol)}</b> @ ${price}${quote}${fee}${result}`;
}

async function tradesPages(deps: BotDeps, filter: string | undefined, n: number): Promise<string[]> {
  if (!deps.ledger) return ['The P&amp;L ledger is not available in this deployment.'];
  const v = valuationAssetOf(deps);
  const fills = await deps.ledger.fills({ ...(filter ? { symbol: filter } : {}), limit: n });
  const footer = updatedLine(deps);
  if (fills.length === 0) return [`No fills${filter ? ` of ${escapeHtml(filter)}` : ''} in the ledger yet.\n${footer}`];
  const infos = new Map<string, SymbolInfo | undefined>();
  for (const symbol of new Set(fills.map((f) => f.symbol))) infos.set(symbol, await deps.exchangeInfo.symbol(symbol).catch(() => undefined));
  const header = `<b>Last ${fills.length} fill${fills.length === 1 ? '' : 's'}</b>${filter ? ` · ${escapeHtml(filter)}` : ''} · times UTC, P&amp;L in ${escapeHtml(v)}`;
  return paginate(header, fills.map((f) => fillLine(f, infos.get(f.symbol), v)), footer);
}

async function tradesView(deps: BotDeps, filter: string | undefined, n: number, page: number) {
  const picked = pickPage(await tradesPages(deps, filter, n), page);
  const keyboard = pageKeyboard(picked.page, picked.pages, (p) => tradesButtons.encode({ kind: 'trades-page', ...(filter ? { filter } : {}), n, page: p }));
  return { html: picked.html, keyboard };
}

export function tradesCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('trades', async (ctx) => {
    const { filter, n } = parseTradesCommand(ctx.match);
    if (filter) await checkFilter(deps, SPEC, filter);
    const { html, keyboard } = await tradesView(deps, filter, n, 0);
    await replyHtml(ctx, html, keyboard);
  });
  return composer;
}

export function tradesPageButton(deps: BotDeps): CallbackHandler<'trades-page'> {
  return async (ctx, action) => {
    const { html, keyboard } = await tradesView(deps, action.filter, action.n, action.page);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const tradesFeature = defineFeature<TradesButton>({
  name: 'trades',
  commands: [SPEC],
  composer: ({ deps }) => tradesCommand(deps),
  buttons: tradesButtons,
  handlers: ({ deps }) => ({ 'trades-page': tradesPageButton(deps) }),
});
