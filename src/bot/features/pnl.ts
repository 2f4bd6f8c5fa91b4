/**
 * /pnl [today|7d|30d|all] [SYMBOL|ASSET] (DESIGN.md §2, §10): realized P&L over the period
 * (average cost, fees included) and unrealized P&L now, per asset and in total, in
 * VALUATION_ASSET. Realized comes from the ledger alone; unrealized reads the account (the 2 s
 * view cache) and every last price (weight 4). `today` starts at 00:00 UTC; 7d and 30d are the
 * last 7 × 24 h and 30 × 24 h.
 *
 * /pnl rebuild asks, with a confirmation, for the ledger to be rebuilt from the exchange's
 * myTrades (ledger-jobs.ts): only the trader who asked can confirm it.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { add, isZero } from '../../decimal.js';
import { escapeHtml } from '../../format.js';
import type { AssetRealized } from '../../ledger/ledger-types.js';
import { valueHoldings, type ValuedHolding } from '../../ledger/ledger-valuation.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, expectTokens, quoteInput, tokenize } from '../command-args.js';
import { pageKeyboard, paginate, pickPage } from '../pages.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { requesterOf } from '../requester.js';
import { defineButtons, defineFeature, safeInteger, type CommandSpec } from './feature.js';
import { checkFilter, signedMoney, unknownEntryText, valuationAssetOf } from './ledger-text.js';

const SPEC: CommandSpec = {
  name: 'pnl',
  description: 'Realized and unrealized P&L per asset',
  usage: '/pnl [today|7d|30d|all] [SYMBOL]',
  example: '/pnl 7d BTCUSDT',
  details: [
    'Realized P&L over the period (average cost, fees included) and unrealized P&L now, per asset and in total, in the valuation asset. Default: all.',
    'today starts at 00:00 UTC; 7d and 30d are the last 7 and 30 days. SYMBOL is a pair (BTCUSDT) or an asset (BTC).',
    'A sell or a holding whose entry the bot never saw (a deposit, older history) is left out of the P&L, and the answer says so.',
    '/pnl rebuild: forget the ledger and read every fill again from the exchange (asks first).',
  ],
};

export const PERIODS = { today: 't', '7d': '7', '30d': '30', all: 'a' } as const;
export type Period = keyof typeof PERIODS;
const PERIOD_BY_CODE: ReadonlyMap<string, Period> = new Map(Object.entries(PERIODS).map(([k, v]): [string, Period] => [v, k as Period]));
const PERIOD_WORDS: Record<Period, string> = { today: 'today (since 00:00 UTC)', '7d': 'the last 7 days', '30d': 'the last 30 days', all: 'all time' };
const FILTER_RE = /^[A-Z0-9]{2,20}$/;

/**
 * `lq:<period>:<filter|->:<page>` a page of /pnl read again; `lr:<userId>` rebuild the ledger,
 * `lk:<userId>` keep it (the user who asked, the only one whose press counts).
 */
export type PnlButton =
  | { kind: 'pnl-page'; period: Period; filter?: string; page: number }
  | { kind: 'ledger-rebuild'; userId: number }
  | { kind: 'ledger-keep'; userId: number };

export const pnlButtons = defineButtons<PnlButton>({
  prefixes: ['lq', 'lr', 'lk'],
  kinds: ['pnl-page', 'ledger-rebuild', 'ledger-keep'],
  encode(a) {
    if (a.kind === 'pnl-page') return `lq:${PERIODS[a.period]}:${a.filter ?? '-'}:${a.page}`;
    return `${a.kind === 'ledger-rebuild' ? 'lr' : 'lk'}:${a.userId}`;
  },
  decode(prefix, fields) {
    if (prefix === 'lq') {
      if (fields.length !== 3) return undefined;
      const period = PERIOD_BY_CODE.get(fields[0]!);
      const filter = fields[1]!;
      const page = safeInteger(fields[2]);
      if (!period || page === undefined || page > 999 || (filter !== '-' && !FILTER_RE.test(filter))) return undefined;
      return { kind: 'pnl-page', period, ...(filter !== '-' ? { filter } : {}), page };
    }
    const userId = fields.length === 1 ? safeInteger(fields[0]) : undefined;
    if (userId === undefined) return undefined;
    return { kind: prefix === 'lr' ? 'ledger-rebuild' : 'ledger-keep', userId };
  },
});

export type PnlCommand = { kind: 'view'; period: Period; filter?: string } | { kind: 'rebuild' };

export function parsePnlCommand(match: string): PnlCommand {
  const tokens = tokenize(match);
  expectTokens(SPEC, tokens, 0, 2);
  if (tokens.length === 1 && tokens[0]!.toLowerCase() === 'rebuild') return { kind: 'rebuild' };
  let period: Period | undefined;
  let filter: string | undefined;
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (lower in PERIODS) {
      if (period) throw argumentError(SPEC, 'Give one period at most.');
      period = lower as Period;
    } else if (FILTER_RE.test(token.toUpperCase()) && /^[A-Za-z]/.test(token)) {
      if (filter) throw argumentError(SPEC, 'Give one SYMBOL at most.');
      filter = token.toUpperCase();
    } else {
      throw argumentError(SPEC, `"${quoteInput(token)}" is neither a period (today, 7d, 30d, all) nor a symbol.`);
    }
  }
  return { kind: 'view', period: period ?? 'all', ...(filter ? { filter } : {}) };
}

export function periodStart(period: Period, now: number): number {
  if (period === 'all') return 0;
  if (period === 'today') return Math.floor(now / 86_400_000) * 86_400_000;
  return now - (period === '7d' ? 7 : 30) * 86_400_000;
}

interface PnlRow {
  asset: string;
  realized?: AssetRealized;
  holding?: ValuedHolding;
}

function rowText(row: PnlRow, v: string): string {
  const parts = [`<b>${escapeHtml(row.asset)}</b>`];
  parts.push(`realized ${row.realized ? signedMoney(row.realized.realized, v) : signedMoney('0', v)}`);
  if (row.holding) parts.push(row.holding.unrealized !== undefined ? `unrealized ${signedMoney(row.holding.unrealized, v)}` : 'unrealized n/a');
  const notes: string[] = [];
  if (row.realized?.unknownBasis) notes.push('some sells had no known entry: their P&amp;L is left out');
  if (row.holding && !isZero(row.holding.unknownQuantity)) notes.push(unknownEntryText(row.holding.unknownQuantity, row.asset));
  if (row.holding && row.holding.lastPrice === undefined) notes.push(`no price in ${escapeHtml(v)}`);
  return [parts.join(' · '), ...notes.map((n) => `  ${n}`)].join('\n');
}

async function pnlPages(deps: BotDeps, period: Period, filter: string | undefined): Promise<string[]> {
  const v = valuationAssetOf(deps);
  if (!deps.ledger) return ['The P&amp;L ledger is not available in this deployment.'];
  const now = (deps.now ?? Date.now)();
  const info = filter ? await deps.exchangeInfo.symbol(filter).catch(() => undefined) : undefined;
  const assetFilter = info ? info.baseAsset : filter;
  const [summary, account, tickers, bases] = await Promise.all([
    deps.ledger.realized(periodStart(period, now), now + 1, filter),
    (deps.viewCache ?? deps.exchange).account(),
    deps.exchange.tickerPriceAll(),
    deps.ledger.positions(),
  ]);
  const prices = new Map(tickers.map((t) => [t.symbol, t.price]));
  const holdings = valueHoldings(account.balances, bases, prices, v).filter((h) => assetFilter === undefined || h.asset === assetFilter);
  const rows = new Map<string, PnlRow>();
  for (const r of summary.byAsset ?? []) rows.set(r.asset, { asset: r.asset, realized: r });
  for (const h of holdings) rows.set(h.asset, { ...(rows.get(h.asset) ?? { asset: h.asset }), holding: h });
  const unrealized = holdings.reduce((sum, h) => (h.unrealized === undefined ? sum : add(sum, h.unrealized)), '0');
  const title = `<b>P&amp;L</b>${filter ? ` · ${escapeHtml(filter)}` : ''} · realized over ${PERIOD_WORDS[period]}, unrealized now · in ${escapeHtml(v)}`;
  const footer = [
    `<b>Total</b> realized <b>${signedMoney(summary.realized, v)}</b> · unrealized <b>${signedMoney(unrealized, v)}</b> · ${summary.trades} fill${summary.trades === 1 ? '' : 's'}`,
    ...(summary.unknownBasis ? ['Some sells had no known entry: their P&amp;L is not counted.'] : []),
    updatedLine(deps),
  ].join('\n');
  if (rows.size === 0) return [`${title}\nNo fills${filter ? ` of ${escapeHtml(filter)}` : ''} in this period and nothing held.\n${footer}`];
  const ordered = [...rows.values()].sort((a, b) => a.asset.localeCompare(b.asset));
  return paginate(title, ordered.map((r) => rowText(r, v)), footer);
}

async function pnlView(deps: BotDeps, period: Period, filter: string | undefined, page: number) {
  const picked = pickPage(await pnlPages(deps, period, filter), page);
  const keyboard = pageKeyboard(picked.page, picked.pages, (p) => pnlButtons.encode({ kind: 'pnl-page', period, ...(filter ? { filter } : {}), page: p }));
  return { html: picked.html, keyboard };
}

export function pnlCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('pnl', async (ctx) => {
    const parsed = parsePnlCommand(ctx.match);
    if (parsed.kind === 'rebuild') {
      if (!deps.ledgerJobs) {
        await replyHtml(ctx, 'The P&amp;L ledger cannot be rebuilt from this deployment.');
        return;
      }
      const userId = requesterOf(ctx).userId;
      const keyboard = new InlineKeyboard()
        .text('♻️ Rebuild', pnlButtons.encode({ kind: 'ledger-rebuild', userId }))
        .text('Keep it', pnlButtons.encode({ kind: 'ledger-keep', userId }));
      await replyHtml(
        ctx,
        'Rebuild the P&amp;L ledger? Every fill is forgotten and read again from the exchange (myTrades), symbol by symbol. /pnl and /trades show partial history until it finishes.',
        keyboard,
      );
      return;
    }
    if (parsed.filter) await checkFilter(deps, SPEC, parsed.filter);
    const { html, keyboard } = await pnlView(deps, parsed.period, parsed.filter, 0);
    await replyHtml(ctx, html, keyboard);
  });
  return composer;
}

export function pnlPageButton(deps: BotDeps): CallbackHandler<'pnl-page'> {
  return async (ctx, action) => {
    const { html, keyboard } = await pnlView(deps, action.period, action.filter, action.page);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export function rebuildButton(deps: BotDeps): CallbackHandler<'ledger-rebuild'> {
  return async (ctx, action) => {
    if (ctx.from?.id !== action.userId) return { answer: 'Only the trader who asked can confirm this.', alert: true };
    await deps.ledgerJobs!.requestRebuild(action.userId);
    return { answer: 'Rebuild queued.', after: () => editPressedMessage(ctx, 'The P&amp;L ledger is being rebuilt from the exchange. /pnl shows the result when it is done.') };
  };
}

export function keepButton(): CallbackHandler<'ledger-keep'> {
  return async (ctx, action) => {
    if (ctx.from?.id !== action.userId) return { answer: 'Only the trader who asked can answer this.', alert: true };
    return { answer: 'Kept.', after: () => editPressedMessage(ctx, 'The P&amp;L ledger was kept as it is.') };
  };
}

export const pnlFeature = defineFeature<PnlButton>({
  name: 'pnl',
  commands: [SPEC],
  composer: ({ deps }) => pnlCommand(deps),
  buttons: pnlButtons,
  handlers: ({ deps }) => ({ 'pnl-page': pnlPageButton(deps), 'ledger-rebuild': rebuildButton(deps), 'ledger-keep': keepButton() }),
});
