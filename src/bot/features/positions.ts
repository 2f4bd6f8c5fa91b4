/**
 * /positions (DESIGN.md §2, §10): each held asset — quantity, average entry, last price, change
 * since entry, value, unrealized P&L in VALUATION_ASSET — and the exits that protect it (its
 * managed stop, with its distance from the price).
 *
 * Reads: the account (the 2 s view cache) and every last price (weight 4); the entries come from
 * the ledger, the stops from the stop state: no history is read. A holding the ledger did not see
 * come in says its entry is unknown instead of showing a P&L. Long lists page in place.
 *
 * Exits are a list per asset (`exitsOf`), so another kind (a take-profit) is one more entry.
 */
import { Composer, type Context } from 'grammy';
import { add, div, isPositive, mul, sub } from '../../decimal.js';
import { escapeHtml, formatPercent, formatQuantity } from '../../format.js';
import { valueHoldings, type ValuedHolding } from '../../ledger/ledger-valuation.js';
import type { BotDeps } from '../bot-deps.js';
import type { StopKind } from '../../trading/stops/stop-types.js';
import type { CallbackHandler } from '../callback-router.js';
import { expectTokens, tokenize } from '../command-args.js';
import { pageKeyboard, paginate, pickPage } from '../pages.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { defineButtons, defineFeature, safeInteger, type CommandSpec } from './feature.js';
import { openPlanExits } from '../../trading/brackets/plan-exits.js';
import { unownedExits } from './exit-lines.js';
import { formatPriceIn, money, signedMoney, tickDecimalsOf, unknownEntryText, valuationAssetOf } from './ledger-text.js';

const SPEC: CommandSpec = {
  name: 'positions',
  description: 'Held assets: entry, price, value, unrealized P&L, stops',
  usage: '/positions',
  example: '/positions',
  details: [
    'Each asset held: quantity, average entry (fees included), last price, change since entry, value and unrealized P&L in the valuation asset, and its managed stop with its distance from the price.',
    'A holding whose entry the bot never saw (a deposit, trades before its first fill) says so instead of showing a P&L.',
  ],
};

/** `lp:<page>`: that page of /positions, read again (Refresh, ◀ ▶). */
export type PositionsButton = { kind: 'positions-page'; page: number };

export const positionsButtons = defineButtons<PositionsButton>({
  prefixes: ['lp'],
  kinds: ['positions-page'],
  encode: (a) => `lp:${a.page}`,
  decode(_prefix, fields) {
    const page = fields.length === 1 ? safeInteger(fields[0]) : undefined;
    return page === undefined || page > 999 ? undefined : { kind: 'positions-page', page };
  },
});

/** One way out of a position shown under it: a managed stop, its take-profit, or a plan's legs. */
export interface PositionExit {
  label: string;
  /** Trigger price, in the pair's quote. */
  price: string;
  /** The pair's last price, for the distance. */
  lastPrice?: string;
  /** Display of the price at the pair's tick. */
  priceText: string;
}

const STOP_LABELS: Record<StopKind, string> = { fixed: 'Stop', fractal: 'Stop (fractal)', percent: 'Stop (% trailing)', atr: 'Stop (ATR trailing)' };

async function exitsOf(deps: BotDeps, prices: ReadonlyMap<string, string>): Promise<Map<string, PositionExit[]>> {
  const out = new Map<string, PositionExit[]>();
  const stops = (await deps.stopDesk?.listStops().catch(() => [])) ?? [];
  for (const stop of stops) {
    if (stop.stopPrice === undefined) continue;
    const info = await deps.exchangeInfo.symbol(stop.symbol).catch(() => undefined);
    const asset = info?.baseAsset ?? stop.symbol;
    const list = out.get(asset) ?? [];
    const ticks = info ? await tickDecimalsOf(deps, [info.baseAsset], info.quoteAsset) : new Map<string, number>();
    list.push({
      label: STOP_LABELS[stop.kind],
      price: stop.stopPrice,
      ...(prices.get(stop.symbol) !== undefined ? { lastPrice: prices.get(stop.symbol)! } : {}),
      priceText: `${formatPriceIn(ticks, asset, stop.stopPrice)}${info ? ` ${escapeHtml(info.quoteAsset)}` : ''}`,
    });
    if (stop.target) {
      list.push({
        label: 'Take-profit',
        price: stop.target.price,
        ...(prices.get(stop.symbol) !== undefined ? { lastPrice: prices.get(stop.symbol)! } : {}),
        priceText: `${formatPriceIn(ticks, asset, stop.target.price)}${info ? ` ${escapeHtml(info.quoteAsset)}` : ''}`,
      });
    }
    out.set(asset, list);
  }
  // A plan's exits no managed stop holds (a fixed sl= with its tp=): its legs too.
  for (const exit of unownedExits(await openPlanExits(deps.exchange).catch(() => []), stops)) {
    const info = await deps.exchangeInfo.symbol(exit.symbol).catch(() => undefined);
    const asset = info?.baseAsset ?? exit.symbol;
    const ticks = info ? await tickDecimalsOf(deps, [info.baseAsset], info.quoteAsset) : new Map<string, number>();
    const last = prices.get(exit.symbol);
    const legs: Array<[string, string | undefined]> = [['Stop (plan)', exit.stop?.stopPrice], ['Take-profit (plan)', exit.target?.price]];
    const list = out.get(asset) ?? [];
    for (const [label, price] of legs) {
      if (price !== undefined) list.push({ label, price, ...(last !== undefined ? { lastPrice: last } : {}), priceText: `${formatPriceIn(ticks, asset, price)}${info ? ` ${escapeHtml(info.quoteAsset)}` : ''}` });
    }
    out.set(asset, list);
  }
  return out;
}

function exitLine(exit: PositionExit): string {
  const distance = exit.lastPrice !== undefined && isPositive(exit.lastPrice) ? ` (${formatPercent(div(mul(sub(exit.price, exit.lastPrice), '100'), exit.lastPrice, 4, 'half-up'))} from the price)` : '';
  return `  ${exit.label} ${exit.priceText}${distance}`;
}

export function renderPosition(h: ValuedHolding, v: string, ticks: ReadonlyMap<string, number>, exits: readonly PositionExit[]): string {
  const lines: string[] = [];
  const entry = h.averageEntry !== undefined ? ` · entry ${formatPriceIn(ticks, h.asset, h.averageEntry)}` : '';
  const last = h.lastPrice !== undefined ? ` · last ${formatPriceIn(ticks, h.asset, h.lastPrice)}${h.changePct !== undefined ? ` (${formatPercent(h.changePct)})` : ''}` : ' · no price';
  lines.push(`<b>${escapeHtml(h.asset)}</b> ${escapeHtml(formatQuantity(h.quantity))}${entry}${last}`);
  const facts: string[] = [];
  if (h.value !== undefined) facts.push(`Value ${money(h.value, v)}`);
  if (h.unrealized !== undefined) facts.push(`${facts.length ? 'u' : 'U'}nrealized <b>${signedMoney(h.unrealized, v)}</b>`);
  if (facts.length > 0) lines.push(`  ${facts.join(' · ')}`);
  const unknown = unknownEntryText(h.unknownQuantity, h.asset);
  if (unknown) lines.push(`  ${h.averageEntry === undefined ? 'No P&amp;L: ' : ''}${unknown}`);
  for (const exit of exits) lines.push(exitLine(exit));
  return lines.join('\n');
}

async function positionsPages(deps: BotDeps): Promise<string[]> {
  const v = valuationAssetOf(deps);
  if (!deps.ledger) return ['The P&amp;L ledger is not available in this deployment.'];
  const [account, tickers, bases] = await Promise.all([(deps.viewCache ?? deps.exchange).account(), deps.exchange.tickerPriceAll(), deps.ledger.positions()]);
  const prices = new Map(tickers.map((t) => [t.symbol, t.price]));
  const holdings = valueHoldings(account.balances, bases, prices, v);
  const footer = updatedLine(deps);
  if (holdings.length === 0) return [`No positions: the account holds only ${escapeHtml(v)}.\n${footer}`];
  const [ticks, exits] = await Promise.all([tickDecimalsOf(deps, holdings.map((h) => h.asset), v), exitsOf(deps, prices)]);
  const blocks = holdings.map((h) => renderPosition(h, v, ticks, exits.get(h.asset) ?? []));
  const totalUnrealized = holdings.reduce((sum, h) => (h.unrealized === undefined ? sum : add(sum, h.unrealized)), '0');
  const totalValue = holdings.reduce((sum, h) => (h.value === undefined ? sum : add(sum, h.value)), '0');
  const header = `<b>Positions</b> (${holdings.length}) · in ${escapeHtml(v)}`;
  const summary = `<b>Total</b> value ${money(totalValue, v)} · unrealized <b>${signedMoney(totalUnrealized, v)}</b>`;
  return paginate(header, blocks, `${summary}\n${footer}`);
}

async function positionsView(deps: BotDeps, page: number) {
  const picked = pickPage(await positionsPages(deps), page);
  const keyboard = pageKeyboard(picked.page, picked.pages, (p) => positionsButtons.encode({ kind: 'positions-page', page: p }));
  return { html: picked.html, keyboard };
}

export function positionsCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('positions', async (ctx) => {
    expectTokens(SPEC, tokenize(ctx.match), 0, 0);
    const { html, keyboard } = await positionsView(deps, 0);
    await replyHtml(ctx, html, keyboard);
  });
  return composer;
}

export function positionsPageButton(deps: BotDeps): CallbackHandler<'positions-page'> {
  return async (ctx, action) => {
    const { html, keyboard } = await positionsView(deps, action.page);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const positionsFeature = defineFeature<PositionsButton>({
  name: 'positions',
  commands: [SPEC],
  composer: ({ deps }) => positionsCommand(deps),
  buttons: positionsButtons,
  handlers: ({ deps }) => ({ 'positions-page': positionsPageButton(deps) }),
});
