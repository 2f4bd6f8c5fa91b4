/**
 * /balance: non-zero assets with free, locked and value in USDT, and the total (DESIGN.md §2).
 * Assets worth less than BALANCE_DUST_USDT fold into one line with a "Show all" button.
 *
 * Values use the last prices of every symbol in one request (GET /api/v3/ticker/price without
 * a symbol, weight 4: rest-api.md) rather than one request per asset.
 */
import { Composer, InlineKeyboard, type Context } from 'grammy';
import { add, div, gt, isPositive, lt, mul, sub } from '../../decimal.js';
import { escapeHtml, formatAmount, formatPercent, formatQuantity } from '../../format.js';
import type { Balance, TickerPrice } from '../../binance/types.js';
import type { TickerCache } from '../../market/ticker-cache.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { withRefresh } from '../keyboards.js';
import { updatedLine } from '../reply.js';
import { editPressedMessage, replyHtml } from '../reply.js';
import { defineButtons, defineFeature, type CommandSpec } from './feature.js';

const SPEC: CommandSpec = {
  name: 'balance',
  description: 'Balances with their value in USDT',
  usage: '/balance',
  example: '/balance',
  details: ['Non-zero assets: free, locked and value in USDT, with the total.', 'Small balances are folded into one line; a button shows them all.'],
};

/** `b:all` shows all balances, dust included; `r:b` refreshes /balance in place. */
export type BalanceButton = { kind: 'balance-all' } | { kind: 'refresh-balance' };

export const balanceButtons = defineButtons<BalanceButton>({
  prefixes: ['b', 'r:b'],
  kinds: ['balance-all', 'refresh-balance'],
  encode: (action) => (action.kind === 'balance-all' ? 'b:all' : 'r:b'),
  decode(prefix, fields) {
    if (prefix === 'b') return fields.length === 1 && fields[0] === 'all' ? { kind: 'balance-all' } : undefined;
    return fields.length === 0 ? { kind: 'refresh-balance' } : undefined;
  },
});

export function showAllBalancesKeyboard(): InlineKeyboard {
  return new InlineKeyboard().text('Show all', balanceButtons.encode({ kind: 'balance-all' }));
}

const refreshData = (): string => balanceButtons.encode({ kind: 'refresh-balance' });

export const VALUE_ASSET = 'USDT';

export interface ValuedBalance extends Balance {
  total: string;
  /** Undefined when no price path to USDT exists. */
  valueUsdt: string | undefined;
}

/** The asset's value in USDT: directly, through USDT<asset>, or through BTC. */
export function valueInUsdt(asset: string, amount: string, prices: ReadonlyMap<string, string>): string | undefined {
  if (asset === VALUE_ASSET) return amount;
  const direct = prices.get(`${asset}${VALUE_ASSET}`);
  if (direct !== undefined && isPositive(direct)) return mul(amount, direct);
  const inverse = prices.get(`${VALUE_ASSET}${asset}`);
  if (inverse !== undefined && isPositive(inverse)) return div(amount, inverse, 8);
  const viaBtc = prices.get(`${asset}BTC`);
  const btc = prices.get(`BTC${VALUE_ASSET}`);
  if (viaBtc !== undefined && btc !== undefined) return mul(mul(amount, viaBtc), btc);
  return undefined;
}

export function valueBalances(balances: readonly Balance[], tickers: readonly TickerPrice[]): ValuedBalance[] {
  const prices = new Map(tickers.map((t) => [t.symbol, t.price]));
  return balances
    .map((b) => {
      const total = add(b.free, b.locked);
      return { ...b, total, valueUsdt: isPositive(total) ? valueInUsdt(b.asset, total, prices) : '0' };
    })
    .filter((b) => isPositive(b.total))
    .sort((a, b) => {
      if (a.valueUsdt === undefined || b.valueUsdt === undefined) return a.valueUsdt === undefined ? (b.valueUsdt === undefined ? a.asset.localeCompare(b.asset) : 1) : -1;
      return gt(a.valueUsdt, b.valueUsdt) ? -1 : lt(a.valueUsdt, b.valueUsdt) ? 1 : a.asset.localeCompare(b.asset);
    });
}

function balanceLine(b: ValuedBalance): string {
  const amounts = isPositive(b.locked)
    ? `${formatQuantity(b.total)} (free ${formatQuantity(b.free)}, locked ${formatQuantity(b.locked)})`
    : formatQuantity(b.total);
  const value = b.valueUsdt === undefined ? 'no USDT price' : `≈ ${formatAmount(b.valueUsdt, 2)} ${VALUE_ASSET}`;
  return `<b>${escapeHtml(b.asset)}</b> ${amounts} · ${value}`;
}

/** The /balance text; `dustUsdt` undefined shows every asset. Returns whether something was folded. */
export function renderBalances(valued: readonly ValuedBalance[], dustUsdt: string | undefined): { html: string; folded: number } {
  if (valued.length === 0) return { html: 'The account holds no assets.', folded: 0 };
  const isDust = (b: ValuedBalance) => dustUsdt !== undefined && b.valueUsdt !== undefined && lt(b.valueUsdt, dustUsdt);
  const shown = valued.filter((b) => !isDust(b));
  const dust = valued.filter(isDust);
  const lines = ['<b>Balances</b>', ...shown.map(balanceLine)];
  if (dust.length > 0) {
    const dustValue = dust.reduce((sum, b) => add(sum, b.valueUsdt ?? '0'), '0');
    const names = dust.slice(0, 5).map((b) => escapeHtml(b.asset)).join(', ') + (dust.length > 5 ? ', …' : '');
    lines.push(`+ ${dust.length} small balance${dust.length === 1 ? '' : 's'} (${names}) · ≈ ${formatAmount(dustValue, 2)} ${VALUE_ASSET}`);
  }
  const total = valued.reduce((sum, b) => add(sum, b.valueUsdt ?? '0'), '0');
  lines.push('', `<b>Total ≈ ${formatAmount(total, 2)} ${VALUE_ASSET}</b>`);
  const unpriced = valued.filter((b) => b.valueUsdt === undefined).length;
  if (unpriced > 0) lines.push(`${unpriced} asset${unpriced === 1 ? ' has' : 's have'} no USDT price and ${unpriced === 1 ? 'is' : 'are'} not counted.`);
  return { html: lines.join('\n'), folded: dust.length };
}

async function loadBalances(deps: BotDeps): Promise<ValuedBalance[]> {
  const [account, tickers] = await Promise.all([(deps.viewCache ?? deps.exchange).account(), deps.exchange.tickerPriceAll()]);
  return valueBalances(account.balances, tickers);
}

/**
 * The total's change over 24 h at today's holdings: each asset valued at the 24h tickers' open
 * prices against their last prices (the shared 30 s snapshot /top uses: no request of its own
 * most of the time). Deposits and trades within the day are not separated out; the line says so.
 */
async function dayChange(tickers: TickerCache, valued: readonly ValuedBalance[]): Promise<string | undefined> {
  const snapshot = await tickers.get().catch(() => undefined);
  if (!snapshot) return undefined;
  const open = new Map(snapshot.tickers.map((t) => [t.symbol, t.openPrice]));
  const last = new Map(snapshot.tickers.map((t) => [t.symbol, t.lastPrice]));
  let before = '0';
  let now = '0';
  for (const b of valued) {
    const then = valueInUsdt(b.asset, b.total, open);
    const current = valueInUsdt(b.asset, b.total, last);
    if (then === undefined || current === undefined) continue;
    before = add(before, then);
    now = add(now, current);
  }
  if (!isPositive(before)) return undefined;
  const change = sub(now, before);
  const percent = div(mul(change, '100'), before, 4, 'half-up');
  const sign = change.startsWith('-') ? '−' : '+';
  return `24h: <b>${formatPercent(percent)}</b> (${sign}${formatAmount(change.replace(/^-/, ''), 2)} ${VALUE_ASSET}) at today's holdings`;
}

async function balanceView(deps: BotDeps, tickers: TickerCache, dustUsdt: string | undefined): Promise<{ html: string; keyboard: InlineKeyboard }> {
  const valued = await loadBalances(deps);
  const { html, folded } = renderBalances(valued, dustUsdt);
  const change = valued.length > 0 ? await dayChange(tickers, valued) : undefined;
  const keyboard = folded > 0 ? showAllBalancesKeyboard() : undefined;
  return { html: [html, ...(change ? [change] : []), updatedLine(deps)].join('\n'), keyboard: withRefresh(refreshData(), keyboard) };
}

export function balanceCommand(deps: BotDeps, tickers: TickerCache): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('balance', async (ctx) => {
    const { html, keyboard } = await balanceView(deps, tickers, deps.settings.balanceDustUsdt);
    await replyHtml(ctx, html, keyboard);
  });
  return composer;
}

/** "Show all": the same message, every asset listed, the button gone. */
export function showAllBalancesButton(deps: BotDeps, tickers: TickerCache): CallbackHandler<'balance-all'> {
  return async (ctx) => {
    const { html } = await balanceView(deps, tickers, undefined);
    return { after: () => editPressedMessage(ctx, html, withRefresh(refreshData())) };
  };
}

/** 🔄 Refresh: read again, edit in place (the dust folded again). */
export function refreshBalanceButton(deps: BotDeps, tickers: TickerCache): CallbackHandler<'refresh-balance'> {
  return async (ctx) => {
    const { html, keyboard } = await balanceView(deps, tickers, deps.settings.balanceDustUsdt);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const balanceFeature = defineFeature<BalanceButton>({
  name: 'balance',
  commands: [SPEC],
  composer: ({ deps, tickers }) => balanceCommand(deps, tickers),
  buttons: balanceButtons,
  handlers: ({ deps, tickers }) => ({ 'balance-all': showAllBalancesButton(deps, tickers), 'refresh-balance': refreshBalanceButton(deps, tickers) }),
});
