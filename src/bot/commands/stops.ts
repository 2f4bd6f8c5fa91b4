/**
 * /stops (DESIGN.md §2): every managed stop — symbol, kind, quantity, current stop, last move,
 * next candidate — read from the stop state alone (no exchange request), so it answers at once
 * however many stops there are. A long list is split into several messages (reply.ts).
 */
import { Composer, type Context, type InlineKeyboard } from 'grammy';
import type { SymbolInfo } from '../../binance/types.js';
import { formatUtc } from '../../format.js';
import { fractalPhrase, stopDisplay, stopTitle } from '../../trading/stops/stop-alert-text.js';
import type { ManagedStop, StopHoldNote } from '../../trading/stops/stop-types.js';
import type { BotDeps } from '../bot-deps.js';
import { expectTokens, tokenize } from '../command-args.js';
import { commandSpec } from '../command-table.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import type { CallbackHandler } from '../callback-router.js';
import { withRefresh } from '../keyboards.js';

const SPEC = commandSpec('stops');

const NOTE_WORDS: Record<StopHoldNote, string> = {
  'no-fractal': 'no confirmed fractal below the price yet',
  'no-fractal-since-arming': 'no new fractal since arming',
  'not-above-entry': 'not above the entry',
  'not-above-stop': 'not above the stop',
  'not-below-price': 'the price is not above it',
  'move-too-small': 'the rise is under STOP_MIN_MOVE_PCT',
  paused: 'waits for /resume',
  refused: 'refused by the exchange rules',
};

export function renderStopLines(stop: ManagedStop, info: SymbolInfo | undefined): string[] {
  const d = stopDisplay(info);
  const lines = [`${stopTitle(stop)} · ${d.qty(stop.quantity)}${d.base}`];
  if (stop.stopPrice !== undefined) {
    const state = stop.status === 'placing' ? 'being placed' : stop.status === 'removing' ? 'being removed' : `order <code>${stop.orderId ?? ''}</code>`;
    lines.push(`  Stop <b>${d.price(stop.stopPrice)}</b> (limit ${d.price(stop.limitPrice ?? '0')}) · ${state}`);
  } else {
    lines.push('  No stop on the exchange yet: waits for a confirmed fractal below the price.');
  }
  const move = stop.lastMove;
  const entry = stop.entryPrice !== undefined ? `Entry ${d.price(stop.entryPrice)}` : undefined;
  const moved = move ? `last move ${move.from !== undefined ? `${d.price(move.from)} → ` : ''}${d.price(move.to)} at the ${formatUtc(move.closeTime + 1)} close` : stop.kind === 'fractal' ? 'no move yet' : undefined;
  const facts = [entry, moved].filter((x): x is string => x !== undefined);
  if (facts.length > 0) lines.push(`  ${facts.join(' · ')}`);
  if (stop.kind === 'fractal') {
    const c = stop.candidate;
    lines.push(c ? `  Next candidate: ${d.price(c.stopPrice)}, ${fractalPhrase(c.fractal, d)} (${NOTE_WORDS[c.note]})` : '  Next candidate: none yet');
  }
  return lines;
}

async function stopsView(deps: BotDeps): Promise<{ html: string; keyboard?: InlineKeyboard }> {
  if (!deps.stopDesk) return { html: 'Managed stops are not available in this deployment.' };
  const stops = await deps.stopDesk.listStops();
  const refresh = withRefresh({ kind: 'refresh-stops' });
  if (stops.length === 0) {
    return { html: `No managed stops. Set one with <code>/stop SYMBOL fractal</code> or <code>/stop SYMBOL PRICE</code>.\n${updatedLine(deps)}`, keyboard: refresh };
  }
  const infos = new Map<string, SymbolInfo | undefined>();
  for (const symbol of new Set(stops.map((s) => s.symbol))) infos.set(symbol, await deps.exchangeInfo.symbol(symbol).catch(() => undefined));
  const blocks = stops.map((s) => renderStopLines(s, infos.get(s.symbol)).join('\n'));
  return { html: [`<b>Managed stops</b> (${stops.length})`, ...blocks, updatedLine(deps)].join('\n'), keyboard: refresh };
}

export function stopsCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('stops', async (ctx) => {
    expectTokens(SPEC, tokenize(ctx.match), 0, 0);
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
