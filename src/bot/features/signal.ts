/**
 * /signal SYMBOL STRATEGY [INTERVAL] [SIZE], /signal list, /signal off ID|all (DESIGN.md §11):
 * watch a strategy live. The worker evaluates it at every close of INTERVAL and, when it fires,
 * pushes a ready confirmation card (src/strategies/signal-evaluator.ts): nothing is bought or
 * sold without Confirm. An account command: its cards move money.
 */
import { Composer, type Context, type InlineKeyboard } from 'grammy';
import type { SymbolInfo } from '../../binance/types.js';
import { tickDecimals } from '../../binance/filters.js';
import { normalize } from '../../decimal.js';
import { escapeHtml, formatAmount, formatAssetAmount, formatUtc } from '../../format.js';
import { RISK_WITHOUT_STOP } from '../../strategies/signal-cards.js';
import type { Signal, SignalSize } from '../../strategies/signal-store.js';
import { strategyOf } from '../../strategies/strategies.js';
import { STRATEGY_NAMES, isStrategyName, type StrategyName } from '../../strategies/strategy-types.js';
import { isStopInterval, STOP_INTERVALS, type StopInterval } from '../../trading/stops/stop-intervals.js';
import type { BotDeps } from '../bot-deps.js';
import type { CallbackHandler } from '../callback-router.js';
import { parseRisk } from '../bracket-args.js';
import { argumentError, expectTokens, parseAmount, quoteInput, resolveAmountAsset, tokenize } from '../command-args.js';
import { withRefresh } from '../keyboards.js';
import { editPressedMessage, replyHtml, updatedLine } from '../reply.js';
import { requesterOf } from '../requester.js';
import { resolveSymbol, type SymbolCatalog } from '../symbol-arg.js';
import { valuationAssetOf } from './ledger-text.js';
import { DEFAULT_INTERVAL, defineButtons, defineFeature, type CommandSpec } from './feature.js';

export const DEFAULT_SIGNAL_SIZE = '100USDT';

export const SIGNAL_SPEC: CommandSpec = {
  name: 'signal',
  description: 'Watch a strategy live: a ready card when it fires',
  usage: '/signal SYMBOL STRATEGY [INTERVAL] [SIZE|risk=N%] | list | off ID|all',
  example: '/signal BTCUSDT macd 4h 100USDT',
  details: [
    `STRATEGY is one of ${STRATEGY_NAMES.join(', ')} (see /help backtest). At every close of INTERVAL (default ${DEFAULT_INTERVAL}) the strategy is evaluated on closed candles.`,
    'When it buys, you get a buy card for SIZE (a quote amount like 100USDT or a quantity like 0.01; default from SIGNAL_DEFAULT_SIZE). fractal and macd-fractal send a bracket, the buy with the strategy’s fractal stop (as /buy … sl=fractal:INTERVAL), and SIZE may be risk=1% (of the net value) or risk=50 (in VALUATION_ASSET), sized by that stop.',
    'When it sells (macd), a sell card for what its buy bought; a fractal strategy’s bracket stop trails on the exchange and sells by itself.',
    'Cards expire like any card: nothing is sent without Confirm. /signal list shows the signals, /signal off ID (or all) ends them.',
  ],
};

/** `r:sg` refreshes /signal list. */
export type SignalButton = { kind: 'refresh-signals' };

export const signalButtons = defineButtons<SignalButton>({
  prefixes: ['r:sg'],
  kinds: ['refresh-signals'],
  encode: () => 'r:sg',
  decode: (_prefix, fields) => (fields.length === 0 ? { kind: 'refresh-signals' } : undefined),
});

const INTERVAL_SHAPE = /^\d+[smhdwM]$/;

export type ParsedSignalCommand =
  | { kind: 'start'; symbol: string; strategy: StrategyName; interval: StopInterval; size: SignalSize }
  | { kind: 'list' }
  | { kind: 'off'; which: string };

function sizeOf(token: string, info: SymbolInfo, strategy: StrategyName): SignalSize {
  if (/^risk=/i.test(token)) {
    if (strategyOf(strategy).exit !== 'trailing-stop') throw argumentError(SIGNAL_SPEC, RISK_WITHOUT_STOP, '/signal BTCUSDT fractal 4h risk=1%');
    return { kind: 'risk', risk: parseRisk(SIGNAL_SPEC, token.slice('risk='.length)) };
  }
  return resolveAmountAsset(SIGNAL_SPEC, parseAmount(SIGNAL_SPEC, token, { allowShareOfBalance: false }), info);
}

export async function parseSignalCommand(catalog: SymbolCatalog, match: string, settings: { defaultInterval?: string; defaultSize?: string }): Promise<ParsedSignalCommand> {
  const tokens = tokenize(match);
  const first = tokens[0]?.toLowerCase();
  if (first === 'list') {
    expectTokens(SIGNAL_SPEC, tokens, 1, 1);
    return { kind: 'list' };
  }
  if (first === 'off') {
    if (tokens.length !== 2) throw argumentError(SIGNAL_SPEC, 'Name the signal to switch off: /signal off ID, or /signal off all.', '/signal off 3');
    const which = tokens[1]!.toLowerCase();
    if (which !== 'all' && !/^[1-9]\d{0,9}$/.test(which)) throw argumentError(SIGNAL_SPEC, `"${quoteInput(tokens[1]!)}" is not a signal id: /signal list shows them.`, '/signal off 3');
    return { kind: 'off', which };
  }
  expectTokens(SIGNAL_SPEC, tokens, 2, 4);
  const [symbolToken, strategyToken, ...rest] = tokens as [string, string, ...string[]];
  const strategy = strategyToken.toLowerCase();
  if (!isStrategyName(strategy)) throw argumentError(SIGNAL_SPEC, `"${quoteInput(strategyToken)}" is not a strategy. Use one of ${STRATEGY_NAMES.join(', ')}.`);
  const info = await resolveSymbol(catalog, SIGNAL_SPEC, symbolToken);
  let interval: StopInterval | undefined;
  let size: SignalSize | undefined;
  for (const token of rest) {
    if (INTERVAL_SHAPE.test(token)) {
      if (interval !== undefined) throw argumentError(SIGNAL_SPEC, 'Give one INTERVAL at most.');
      const candidate = token === '1M' ? token : token.toLowerCase();
      if (!isStopInterval(candidate)) throw argumentError(SIGNAL_SPEC, `"${quoteInput(token)}" is not an interval a signal can follow. Use one of ${STOP_INTERVALS.join(', ')}.`);
      interval = candidate;
    } else {
      if (size !== undefined) throw argumentError(SIGNAL_SPEC, 'Give one SIZE at most.');
      size = sizeOf(token, info, strategy);
    }
  }
  const fallbackInterval = settings.defaultInterval !== undefined && isStopInterval(settings.defaultInterval) ? settings.defaultInterval : DEFAULT_INTERVAL;
  return { kind: 'start', symbol: info.symbol, strategy, interval: interval ?? fallbackInterval, size: size ?? sizeOf(settings.defaultSize ?? DEFAULT_SIGNAL_SIZE, info, strategy) };
}

function sizeText(size: SignalSize, info: SymbolInfo | undefined, valuation: string): string {
  switch (size.kind) {
    case 'quote':
      return formatAssetAmount(size.quoteQty, size.asset ?? info?.quoteAsset ?? '');
    case 'base':
      return formatAssetAmount(size.quantity, info?.baseAsset ?? '');
    case 'risk':
      return size.risk.kind === 'percent' ? `risk ${normalize(size.risk.percent)}% of the net value` : `risk ${formatAmount(size.risk.value, 2)} ${size.risk.asset ?? valuation}`;
    default:
      return size.kind;
  }
}

function signalLines(signal: Signal, info: SymbolInfo | undefined, valuation: string): string[] {
  const decimals = info ? tickDecimals(info) : 8;
  const head = `#${signal.id} <b>${escapeHtml(signal.symbol)}</b> · ${signal.strategy} · ${signal.interval} · ${escapeHtml(sizeText(signal.size, info, valuation))}${signal.displayName ? ` · ${escapeHtml(signal.displayName)}` : ''}`;
  const position = signal.state.position;
  const state = position
    ? `in a position since ${formatUtc(position.entryTime)} (entry ${formatAmount(position.entryPrice, decimals)}${position.stop !== undefined ? `, strategy stop ${formatAmount(position.stop, decimals)}` : ''})`
    : signal.state.pending?.side === 'enter'
      ? 'buy proposed at the last close'
      : 'flat, waiting for an entry';
  const last = signal.lastClose === undefined ? 'no close evaluated yet' : `last close ${formatUtc(signal.lastClose + 1)}`;
  return [head, `  ${state} · ${last} · ${signal.cards} card${signal.cards === 1 ? '' : 's'}`];
}

async function listView(deps: BotDeps): Promise<{ html: string; keyboard: InlineKeyboard }> {
  const keyboard = withRefresh(signalButtons.encode({ kind: 'refresh-signals' }));
  const signals = (await deps.signals?.list()) ?? [];
  if (signals.length === 0) return { html: `No signals. Start one with <code>${escapeHtml(SIGNAL_SPEC.example)}</code>.\n${updatedLine(deps)}`, keyboard };
  const infos = new Map<string, SymbolInfo | undefined>();
  for (const symbol of new Set(signals.map((s) => s.symbol))) infos.set(symbol, await deps.exchangeInfo.symbol(symbol).catch(() => undefined));
  const blocks = signals.map((s) => signalLines(s, infos.get(s.symbol), valuationAssetOf(deps)).join('\n'));
  return { html: [`<b>Signals</b> (${signals.length})`, ...blocks, updatedLine(deps)].join('\n'), keyboard };
}

export function signalCommand(deps: BotDeps): Composer<Context> {
  const composer = new Composer<Context>();
  composer.command('signal', async (ctx) => {
    const parsed = await parseSignalCommand(deps.exchangeInfo, ctx.match, {
      ...(deps.settings.stopDefaultInterval ? { defaultInterval: deps.settings.stopDefaultInterval } : {}),
      ...(deps.settings.signalDefaultSize ? { defaultSize: deps.settings.signalDefaultSize } : {}),
    });
    const desk = deps.signals;
    if (!desk) {
      await replyHtml(ctx, 'Signals are not available in this deployment.');
      return;
    }
    if (parsed.kind === 'list') {
      const { html, keyboard } = await listView(deps);
      await replyHtml(ctx, html, keyboard);
      return;
    }
    if (parsed.kind === 'off') {
      const removed = await desk.off(parsed.which, requesterOf(ctx));
      await replyHtml(ctx, removed.length === 0 ? 'You have no signals to switch off.' : `Switched off: ${removed.map((s) => `#${s.id} ${escapeHtml(s.symbol)} ${s.strategy} ${s.interval}`).join(', ')}. No more cards from ${removed.length === 1 ? 'it' : 'them'}.`);
      return;
    }
    const { kind: _kind, ...request } = parsed;
    const signal = await desk.start(request, requesterOf(ctx));
    const info = await deps.exchangeInfo.symbol(signal.symbol).catch(() => undefined);
    await replyHtml(
      ctx,
      `📡 Signal <b>#${signal.id}</b> started: ${escapeHtml(signal.symbol)} · ${signal.strategy} · ${signal.interval} · ${escapeHtml(sizeText(signal.size, info, valuationAssetOf(deps)))} per entry.\n` +
        `Evaluated at every ${signal.interval} close on closed candles; when it fires you get a card to confirm` +
        (strategyOf(signal.strategy).exit === 'trailing-stop' ? `, a bracket holding the strategy’s fractal stop on ${signal.interval}` : '') +
        `. /signal off ${signal.id} ends it.`,
    );
  });
  return composer;
}

export function refreshSignalsButton(deps: BotDeps): CallbackHandler<'refresh-signals'> {
  return async (ctx) => {
    const { html, keyboard } = await listView(deps);
    return { answer: 'Updated.', after: () => editPressedMessage(ctx, html, keyboard) };
  };
}

export const signalFeature = defineFeature<SignalButton>({
  name: 'signal',
  commands: [SIGNAL_SPEC],
  composer: ({ deps }) => signalCommand(deps),
  buttons: signalButtons,
  handlers: ({ deps }) => ({ 'refresh-signals': refreshSignalsButton(deps) }),
});
