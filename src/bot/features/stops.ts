/**
 * /stop and /stops, and the Refresh under /stops.
 *
 * /stop SYMBOL PRICE [AMOUNT] | /stop SYMBOL fractal|N%|atr[:MULT] [INTERVAL] [AMOUNT] |
 * /stop SYMBOL off (DESIGN.md §2, §5).
 *
 * Every stop but `off` gets a confirmation card from the stop desk (src/trading/stops/stop-desk.ts)
 * with the usual [Confirm] [Cancel] buttons: Confirm arms the managed stop and queues its order
 * like any card. `off` acts at once and says what it cancelled. After a trailing mode, INTERVAL
 * and AMOUNT may come in either order: an interval (`4h`) can never be read as an amount. The
 * word right after SYMBOL is the mode, so `/stop BTCUSDT 3%` trails 3 % under the high and
 * `/stop BTCUSDT 3% 50%` does so for half of the free balance.
 *
 * /stops (DESIGN.md §2): every managed stop — symbol, kind, quantity, current stop, last move,
 * next candidate — read from the stop state alone (no exchange request), so it answers at once
 * however many stops there are. A long list is split into several messages (reply.ts).
 */
import { Composer, type Context, type InlineKeyboard } from 'grammy';
import type { SymbolInfo } from '../../binance/types.js';
import { escapeHtml, formatUtc } from '../../format.js';
import { gte } from '../../decimal.js';
import { basisPhrase, stopDisplay, stopTitle } from '../../trading/stops/stop-alert-text.js';
import { isStopInterval, STOP_INTERVALS, type StopInterval } from '../../trading/stops/stop-intervals.js';
import { isTrailing, type ManagedStop, type StopHoldNote, type StopRequest } from '../../trading/stops/stop-types.js';
import type { AmountSpec } from '../../trading/types.js';
import type { BotDeps } from '../bot-deps.js';
import { openPlanExits, type PlanExit } from '../../trading/brackets/plan-exits.js';
import { lastPricesOf, targetLine, unownedExits } from './exit-lines.js';
import type { CallbackHandler } from '../callback-router.js';
import { argumentError, expectTokens, parseAmount, parsePositiveDecimal, parsePrice, quoteInput, resolveAmountAsset, tokenize } from '../command-args.js';
import { withRefresh } from '../keyboards.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';
import { DEFAULT_INTERVAL, defineButtons, defineFeature, type CommandSpec } from './feature.js';
import { orderCardKeyboard } from './orders.js';

const STOP_SPEC: CommandSpec = {
  name: 'stop',
  description: 'Stop-loss: fixed, trailing (fractal, %, ATR), or off',
  usage: '/stop SYMBOL PRICE|fractal|N%|atr[:MULT]|off [INTERVAL] [AMOUNT]',
  example: '/stop BTCUSDT fractal 4h',
  details: [
    '/stop SYMBOL PRICE [AMOUNT]: a fixed stop-loss, a stop-limit sell at PRICE with its limit a little below (STOP_LIMIT_OFFSET_PCT).',
    `/stop SYMBOL fractal [INTERVAL] [AMOUNT]: a trailing stop that follows the bullish fractals of INTERVAL (default ${DEFAULT_INTERVAL}) upward, never down, and only above your entry price.`,
    '/stop SYMBOL N% [INTERVAL] [AMOUNT]: a trailing stop N % under the highest high since arming (e.g. 3%), moved at each INTERVAL close, never down.',
    '/stop SYMBOL atr[:MULT] [INTERVAL] [AMOUNT]: a chandelier stop, the highest high since arming − MULT × ATR(14) of INTERVAL (MULT default 2, e.g. atr:3), never down.',
    'AMOUNT is a quantity (0.5), all, or a share of the free balance (50%); without it, all of the free balance.',
    '/stop SYMBOL off: cancels the managed stops on SYMBOL and stops looking after them.',
    'You get a card with Confirm / Cancel first; off acts at once.',
  ],
};

const STOPS_SPEC: CommandSpec = {
  name: 'stops',
  description: 'Managed stops: kind, stop, last move, next candidate',
  usage: '/stops',
  example: '/stops',
  details: ['Every managed stop: symbol, kind, quantity, current stop, last move and why, and the next candidate (a fractal, or the level under the high).'],
};

/** `r:x` refreshes /stops in place. */
export type StopsButton = { kind: 'refresh-stops' };

export const stopsButtons = defineButtons<StopsButton>({
  prefixes: ['r:x'],
  kinds: ['refresh-stops'],
  encode: () => 'r:x',
  decode: (_prefix, fields) => (fields.length === 0 ? { kind: 'refresh-stops' } : undefined),
});

/** MULT of `atr` without one (DESIGN.md §2: "MULT default 2"). */
const DEFAULT_ATR_MULTIPLE = '2';

/** `4h`, `15m`, `1d`, `1w`, `1M`: the shape of a Binance interval. */
const INTERVAL_SHAPE = /^\d+[smhdwM]$/;

export type ParsedStopCommand = StopRequest | { kind: 'off'; symbol: string };

function stopAmount(token: string, info: SymbolInfo): AmountSpec {
  const amount = resolveAmountAsset(STOP_SPEC, parseAmount(STOP_SPEC, token, { allowShareOfBalance: true }), info);
  if (amount.kind === 'quote') {
    throw argumentError(STOP_SPEC, `A stop protects a quantity of ${info.baseAsset}: give AMOUNT as 0.5, 0.5${info.baseAsset}, all or 50%, not "${quoteInput(token)}".`);
  }
  return amount;
}

/** `3%`: how far under the high a percentage stop trails (0 < N < 100). */
function trailPercent(token: string): string {
  const percent = parsePositiveDecimal(STOP_SPEC, token.slice(0, -1), 'trailing percentage');
  if (gte(percent, '100')) throw argumentError(STOP_SPEC, `A stop ${percent} % under the high would sit at zero or below: give a percentage under 100, e.g. 3%.`, '/stop BTCUSDT 3%');
  return percent;
}

/** `atr` or `atr:MULT`: how many ATR(14) under the high a chandelier stop trails. */
function atrMultiple(token: string): string {
  const parts = token.split(':');
  if (parts.length === 1) return DEFAULT_ATR_MULTIPLE;
  if (parts.length > 2 || parts[1] === '') throw argumentError(STOP_SPEC, `"${quoteInput(token)}" is not an ATR stop: write atr or atr:MULT, then the interval.`, '/stop BTCUSDT atr:3 1h');
  return parsePositiveDecimal(STOP_SPEC, parts[1]!, 'ATR multiple');
}

function stopInterval(token: string): StopInterval {
  const candidate = token === '1M' ? token : token.toLowerCase();
  if (isStopInterval(candidate)) return candidate;
  throw argumentError(STOP_SPEC, `"${quoteInput(token)}" is not an interval a stop can follow. Use one of ${STOP_INTERVALS.join(', ')}.`);
}

export async function parseStopCommand(catalog: SymbolCatalog, match: string, defaultInterval: string | undefined): Promise<ParsedStopCommand> {
  const tokens = tokenize(match);
  expectTokens(STOP_SPEC, tokens, 2, 4);
  const [symbolToken, what, ...rest] = tokens as [string, string, ...string[]];
  const mode = what.toLowerCase();
  // Shape first, so a bad price, percentage or multiple is refused without a look-up.
  const trail = mode.endsWith('%')
    ? { kind: 'percent' as const, percent: trailPercent(mode) }
    : mode === 'atr' || mode.startsWith('atr:')
      ? { kind: 'atr' as const, multiple: atrMultiple(mode) }
      : undefined;
  const price = mode === 'off' || mode === 'fractal' || trail ? undefined : parsePrice(STOP_SPEC, what);
  if (mode === 'off' && rest.length > 0) throw argumentError(STOP_SPEC, `Too many arguments: "${quoteInput(rest.join(' '))}" is not expected after off.`);
  if (price !== undefined && rest.length > 1) throw argumentError(STOP_SPEC, `Too many arguments: "${quoteInput(rest.slice(1).join(' '))}" is not expected.`);
  const info = await resolveSymbol(catalog, STOP_SPEC, symbolToken);
  if (mode === 'off') return { kind: 'off', symbol: info.symbol };
  if (price !== undefined) {
    const amount = rest[0] === undefined ? undefined : stopAmount(rest[0], info);
    return { kind: 'fixed', symbol: info.symbol, stopPrice: price, ...(amount ? { amount } : {}) };
  }
  let interval: StopInterval | undefined;
  let amount: AmountSpec | undefined;
  for (const token of rest) {
    if (INTERVAL_SHAPE.test(token)) {
      if (interval !== undefined) throw argumentError(STOP_SPEC, 'Give one INTERVAL at most.');
      interval = stopInterval(token);
    } else {
      if (amount !== undefined) throw argumentError(STOP_SPEC, 'Give one AMOUNT at most.');
      amount = stopAmount(token, info);
    }
  }
  const fallback = defaultInterval !== undefined && isStopInterval(defaultInterval) ? defaultInterval : DEFAULT_INTERVAL;
  const common = { symbol: info.symbol, interval: interval ?? fallback, ...(amount ? { amount } : {}) };
  return trail ? { ...trail, ...common } : { kind: 'fractal', ...common };
}

export function stopCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('stop', async (ctx) => {
    const parsed = await parseStopCommand(deps.exchangeInfo, ctx.match, deps.settings.stopDefaultInterval);
    const desk = deps.stopDesk;
    if (!desk) {
      await replyHtml(ctx, 'Managed stops are not available in this deployment.');
      return;
    }
    if (parsed.kind === 'off') {
      await replyHtml(ctx, await desk.removeStops(parsed.symbol, requesterOf(ctx)));
      return;
    }
    const card = await desk.prepareStop(parsed, requesterOf(ctx));
    const message = await replyHtml(ctx, card.text, orderCardKeyboard(card));
    await deps.trading.attachCard(card.intentId, message.message_id);
  });
  return composer;
}

const NOTE_WORDS: Record<StopHoldNote, string> = {
  'no-fractal': 'no confirmed fractal below the price yet',
  'no-fractal-since-arming': 'no new fractal since arming',
  'not-above-entry': 'not above the entry',
  'not-above-stop': 'not above the stop',
  'not-below-price': 'the price is not above it',
  'move-too-small': 'the rise is under STOP_MIN_MOVE_PCT',
  'no-atr': 'no ATR(14) level under the high',
  paused: 'waits for /resume',
  refused: 'refused by the exchange rules',
};

export function renderStopLines(stop: ManagedStop, info: SymbolInfo | undefined, lastPrice?: string): string[] {
  const d = stopDisplay(info);
  const lines = [`${stopTitle(stop)} · ${d.qty(stop.quantity)}${d.base}`];
  if (stop.stopPrice !== undefined) {
    const state = stop.status === 'placing' ? 'being placed' : stop.status === 'removing' ? 'being removed' : `order <code>${stop.orderId ?? ''}</code>${stop.awaitsEntry !== undefined ? ' · waits for the entry to fill, then trails' : ''}`;
    lines.push(`  Stop <b>${d.price(stop.stopPrice)}</b> (limit ${d.price(stop.limitPrice ?? '0')}) · ${state}`);
  } else {
    lines.push(stop.kind === 'fractal' ? '  No stop on the exchange yet: waits for a confirmed fractal below the price.' : '  No stop on the exchange: placed again at the next close.');
  }
  const target = targetLine(stop, d, lastPrice);
  if (target) lines.push(target);
  const move = stop.lastMove;
  const entry = stop.entryPrice !== undefined ? `Entry ${d.price(stop.entryPrice)}` : undefined;
  const why = move && move.basis.kind !== 'fractal' ? ` (${basisPhrase(move.basis, d)})` : '';
  const moved = move ? `last move ${move.from !== undefined ? `${d.price(move.from)} → ` : ''}${d.price(move.to)}${why} at the ${formatUtc(move.closeTime + 1)} close` : isTrailing(stop.kind) ? 'no move yet' : undefined;
  const facts = [entry, moved].filter((x): x is string => x !== undefined);
  if (facts.length > 0) lines.push(`  ${facts.join(' · ')}`);
  if (stop.high && (stop.kind === 'percent' || stop.kind === 'atr')) lines.push(`  High since arming ${d.price(stop.high.price)}`);
  if (isTrailing(stop.kind)) {
    const c = stop.candidate;
    lines.push(c ? `  Next candidate: ${d.price(c.stopPrice)}, ${basisPhrase(c.basis, d)} (${NOTE_WORDS[c.note]})` : '  Next candidate: none yet');
  }
  return lines;
}

async function stopsView(deps: BotDeps): Promise<{ html: string; keyboard?: InlineKeyboard }> {
  const [stops, allExits] = await Promise.all([deps.stopDesk?.listStops() ?? Promise.resolve(undefined), openPlanExits(deps.exchange).catch(() => [] as PlanExit[])]);
  const exits = unownedExits(allExits, stops ?? []);
  const prices = await lastPricesOf(deps.exchange, (stops ?? []).filter((s) => s.target).map((s) => s.symbol));
  if (stops === undefined && exits.length === 0) return { html: 'Managed stops are not available in this deployment.' };
  const refresh = withRefresh(stopsButtons.encode({ kind: 'refresh-stops' }));
  const infos = new Map<string, SymbolInfo | undefined>();
  for (const symbol of new Set([...(stops ?? []).map((s) => s.symbol), ...exits.map((e) => e.symbol)])) infos.set(symbol, await deps.exchangeInfo.symbol(symbol).catch(() => undefined));
  const sections: string[] = [];
  if (stops && stops.length > 0) sections.push(`<b>Managed stops</b> (${stops.length})`, ...stops.map((s) => renderStopLines(s, infos.get(s.symbol), prices.get(s.symbol)).join('\n')));
  if (exits.length > 0) sections.push(`<b>Plan exits</b> (${exits.length})`, ...exits.map((e) => renderPlanExit(e, infos.get(e.symbol)).join('\n')));
  if (sections.length === 0) {
    return { html: `No managed stops. Set one with <code>/stop SYMBOL fractal</code> or <code>/stop SYMBOL PRICE</code>.\n${updatedLine(deps)}`, keyboard: refresh };
  }
  return { html: [...sections, updatedLine(deps)].join('\n'), keyboard: refresh };
}

/** A plan's exits: its stop and its target, one OCO on the exchange (or waiting for the entry). */
export function renderPlanExit(exit: PlanExit, info: SymbolInfo | undefined): string[] {
  const d = stopDisplay(info);
  const kind = exit.stop && exit.target ? 'OCO' : 'exit';
  const lines = [`<b>${escapeHtml(exit.symbol)}</b> · ${kind} list <code>${exit.orderListId}</code> · ${d.qty(exit.quantity)}${d.base}`];
  const legs: string[] = [];
  if (exit.stop) legs.push(`Stop <b>${d.price(exit.stop.stopPrice)}</b> (limit ${d.price(exit.stop.limitPrice)})`);
  if (exit.target) legs.push(`Target <b>${d.price(exit.target.price)}</b>`);
  lines.push(`  ${legs.join(' · ')}${exit.waitingForEntry ? ' · waits for the entry to fill' : ''}`);
  return lines;
}

export function stopsCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('stops', async (ctx) => {
    expectTokens(STOPS_SPEC, tokenize(ctx.match), 0, 0);
    const { html, keyboard } = await stopsView(deps);
    await replyHtml(ctx, html, keyboard);
  });
  return composer;
}

/** 🔄 Refresh under /stops: moves and candidates read again, edited in place. */
export function refreshStopsButton(deps: BotDeps): CallbackHandler<'refresh-stops'> {
  return async (ctx) => {
    const { html, keyboard } = await stopsView(deps);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const stopsFeature = defineFeature<StopsButton>({
  name: 'stops',
  commands: [STOP_SPEC, STOPS_SPEC],
  composer: ({ deps }) => new Composer<Context>(stopCommand(deps), stopsCommand(deps)),
  buttons: stopsButtons,
  handlers: ({ deps }) => ({ 'refresh-stops': refreshStopsButton(deps) }),
});
