/**
 * /signal at candle closes (DESIGN.md §11): the stop manager's close listener
 * (src/trading/stops/close-listener.ts). At each close of a (symbol, interval) with signals, the
 * strategy steps over the candles closed since the signal's last close with the backtest's own
 * step (strategy-step.ts), so live decisions are the backtest's decisions; then:
 *
 * - an entry at this close → a buy card (signal-cards.ts): for fractal exits the bracket of
 *   `/buy … sl=fractal:INTERVAL`, sized by SIZE or `risk=`; for macd a plain buy for SIZE;
 * - an exit at this close (macd) → a sell card for what the signal's entry order bought, when it
 *   was confirmed and filled;
 * - the strategy's own stop reached (fractal exits) → when the entry was a bracket, a note: its
 *   trailing stop on the exchange sells, no sell card; when the entry had no stop (no fractal
 *   below the price then), a sell card as for a macd exit.
 *
 * Each signal is applied once per close: its new state is saved compare-and-set before any card
 * leaves, and a card is created only by the evaluation that saved. A close replayed, retried or
 * evaluated by a second worker proposes nothing again (at most once: a crash between the save
 * and the card loses that card rather than sending two). Closes missed while the worker was down
 * are stepped through for the state, but only the newest close proposes a card: a stale entry is
 * not an entry.
 *
 * Cards reach the chat through the alerts queue with `cardIntentId`, so the alerts worker ties
 * the sent message to the intent (its expiry edit and the order worker's edits find it).
 */
import { isPositive, min, normalize } from '../decimal.js';
import { escapeHtml, formatAmount, formatUtc } from '../format.js';
import type { Logger } from '../logger.js';
import { priceFilterOf, tickDecimals } from '../binance/filters.js';
import type { ExchangeClient } from '../binance/exchange-client.js';
import type { Kline } from '../binance/types.js';
import { isAppError, userMessageOf } from '../errors.js';
import { clientOrderIdOf } from '../trading/intent-store.js';
import { freeOf } from '../trading/orders/balances.js';
import type { SymbolLookup } from '../trading/orders/order-pricing.js';
import type { OrderRecords } from '../trading/orders/order-records.js';
import type { CandleCloseListener } from '../trading/stops/close-listener.js';
import type { StopPair } from '../trading/stops/stop-store.js';
import type { AlertSink, PreparedCard, Requester } from '../trading/types.js';
import { prepareEntryCard, prepareExitCard, type CardPricing } from './signal-cards.js';
import type { Signal, SignalStore } from './signal-store.js';
import { stepCandle, type StepEvent, type StrategyState } from './strategy-step.js';
import { strategyOf } from './strategies.js';

/** Candles a signal reads at a close: the stop manager's largest request, 300 warm-up and then some. */
export const SIGNAL_KLINES = 1000;

export interface SignalEvaluatorDeps {
  store: SignalStore;
  symbols: SymbolLookup;
  /** Prices the cards (TradingService.prepareOrder and prepareBracket, as /buy, /buy … sl= and /sell). */
  trading: CardPricing;
  /** The free balance an exit card may sell. */
  exchange: Pick<ExchangeClient, 'account'>;
  records: Pick<OrderRecords, 'get'>;
  alerts: AlertSink;
  logger: Logger;
}

export function createSignalEvaluator(deps: SignalEvaluatorDeps): CandleCloseListener {
  const log = deps.logger.child({ module: 'signal-evaluator' });

  const requesterOf = (s: Signal): Requester => ({ userId: s.userId, chatId: s.chatId, ...(s.displayName !== undefined ? { displayName: s.displayName } : {}) });
  const title = (s: Signal) => `<b>Signal #${s.id} · ${s.strategy} · ${escapeHtml(s.symbol)} ${s.interval}</b>`;

  async function send(signal: Signal, key: string, text: string, card?: PreparedCard): Promise<void> {
    await deps.alerts.enqueue({
      key: `signal-${signal.id}-${key}`,
      chatId: signal.chatId,
      userId: signal.userId,
      text,
      category: 'order',
      ...(card
        ? {
            buttons: [[{ text: '✅ Confirm', data: card.confirmData }, { text: '✖️ Cancel', data: card.cancelData }]],
            cardIntentId: card.intentId,
          }
        : {}),
    });
  }

  /** What the entry order of the signal bought and the account still holds free. */
  async function heldByEntry(signal: Signal, baseAsset: string): Promise<string | undefined> {
    if (!signal.entryIntentId) return undefined;
    const record = await deps.records.get(clientOrderIdOf(signal.entryIntentId));
    if (!record || !isPositive(record.executedQty)) return undefined;
    const free = freeOf(await deps.exchange.account(), baseAsset);
    const quantity = min(normalize(record.executedQty), free);
    return isPositive(quantity) ? quantity : undefined;
  }

  /** False when the signal changed while this close was evaluated (nothing was sent): evaluate it again as it now is. */
  async function evaluate(signal: Signal, closeTime: number, candles: readonly Kline[], tickSize: string, decimals: number, baseAsset: string): Promise<boolean> {
    if (signal.lastClose !== undefined && signal.lastClose >= closeTime) return true;
    const series = strategyOf(signal.strategy).prepare(candles, { tickSize });
    const last = candles.length - 1;
    const known = signal.lastClose === undefined ? -1 : candles.findIndex((c) => c.closeTime === signal.lastClose);
    // A new signal, or one whose last close fell out of the window, steps this close only.
    let state: StrategyState = signal.state;
    let events: StepEvent[] = [];
    for (let i = known < 0 ? last : known + 1; i <= last; i++) {
      const step = stepCandle(series, i, state);
      state = step.state;
      events = step.events;
    }
    // Only this close's events propose anything (events of candles caught up on are state only).
    const now = events;
    const entry = now.find((e): e is Extract<StepEvent, { kind: 'enter-signal' }> => e.kind === 'enter-signal');
    const exit = now.find((e): e is Extract<StepEvent, { kind: 'exit-signal' }> => e.kind === 'exit-signal');
    const stopped = now.find((e): e is Extract<StepEvent, { kind: 'exited' }> => e.kind === 'exited' && e.by === 'stop');

    // The position's exit: the strategy's sell (macd), or its stop reached when no exchange stop holds the position.
    const protectedByBracket = signal.entryStop === 'fractal';
    const sell = exit ? exit.reason : stopped && signal.entryIntentId && !protectedByBracket ? `the strategy’s fractal stop at ${formatAmount(stopped.price, decimals)} was reached` : undefined;

    let card: PreparedCard | undefined;
    let entryStop: 'fractal' | undefined;
    let refusal: string | undefined;
    let exitQuantity: string | undefined;
    if (entry) {
      try {
        const fractalStop = strategyOf(signal.strategy).exit === 'trailing-stop' ? { interval: signal.interval } : undefined;
        const prepared = await prepareEntryCard(deps.trading, { symbol: signal.symbol, size: signal.size, ...(fractalStop ? { fractalStop } : {}) }, requesterOf(signal));
        card = prepared.card;
        entryStop = prepared.stop;
      } catch (error) {
        if (!isAppError(error)) throw error;
        refusal = userMessageOf(error);
      }
    } else if (sell !== undefined) {
      exitQuantity = await heldByEntry(signal, baseAsset);
      if (exitQuantity !== undefined) {
        try {
          card = await prepareExitCard(deps.trading, signal.symbol, exitQuantity, requesterOf(signal));
        } catch (error) {
          if (!isAppError(error)) throw error;
          refusal = userMessageOf(error);
        }
      }
    }

    const next: Signal = { ...signal, state, lastClose: closeTime, ...(card ? { cards: signal.cards + 1 } : {}) };
    // A new position's sell card sells what its own buy card bought, or nothing.
    if (entry) {
      if (card) next.entryIntentId = card.intentId;
      else delete next.entryIntentId;
      if (entryStop) next.entryStop = entryStop;
      else delete next.entryStop;
    }
    const saved = await deps.store.save(next);
    // Changed meanwhile (an earlier close evaluated at the same time, or /signal off): this card is never sent.
    if (!saved) return false;
    const when = `close ${formatUtc(closeTime + 1)}`;
    if (entry) {
      const head = `📈 ${title(signal)}\nBuy: ${escapeHtml(entry.reason)} (${when}).`;
      await send(signal, `${closeTime}-entry`, card ? `${head}\n\n${card.text}` : `${head}\nNo card: ${escapeHtml(refusal ?? '')}`, card);
    } else if (sell !== undefined) {
      const head = `📉 ${title(signal)}\nSell: ${escapeHtml(sell)} (${when}).`;
      const text = card
        ? `${head}\n\n${card.text}`
        : exitQuantity === undefined
          ? `${head}\nThe signal’s buy card was not confirmed or did not fill: there is nothing of it to sell.`
          : `${head}\nNo card: ${escapeHtml(refusal ?? '')}`;
      await send(signal, `${closeTime}-exit`, text, card);
    } else if (stopped && signal.entryIntentId) {
      await send(
        signal,
        `${closeTime}-stopped`,
        `🛡 ${title(signal)}\nThe strategy’s fractal stop at ${formatAmount(stopped.price, decimals)} was reached (${when}). ` +
          'The position is held by the stop of the signal’s bracket on the exchange, which trails the bullish fractals and sells by itself: no sell card. The signal is flat again.',
      );
    }
    log.info({ signalId: signal.id, symbol: signal.symbol, interval: signal.interval, closeTime, entry: !!entry, exit: !!exit, card: card?.intentId }, 'signal evaluated');
    return true;
  }

  return {
    klines: SIGNAL_KLINES,
    pairs: () => deps.store.pairs(),
    async listens(pair: StopPair) {
      return (await deps.store.byPair(pair)).length > 0;
    },
    async onClose(pair, closeTime, candles) {
      const signals = await deps.store.byPair(pair);
      if (signals.length === 0 || candles.length === 0) return;
      const info = await deps.symbols.symbol(pair.symbol);
      const tickSize = info ? priceFilterOf(info)?.tickSize : undefined;
      if (!info || !tickSize) return;
      let failed = 0;
      for (const signal of signals) {
        try {
          // Two closes of a pair may be evaluated at once (a catch-up beside a live close): the one
          // whose save lost reads the signal again and steps on from the close the other saved.
          let current: Signal | undefined = signal;
          for (let attempt = 0; current && !(await evaluate(current, closeTime, candles, tickSize, tickDecimals(info), info.baseAsset)); attempt++) {
            if (attempt === 4) throw new Error(`signal ${signal.id} kept changing during the ${closeTime} close`);
            current = await deps.store.get(signal.id);
          }
        } catch (error) {
          failed++;
          log.error({ err: error, signalId: signal.id, ...pair }, 'signal evaluation failed');
        }
      }
      // The close job is retried; signals already saved at this close skip it.
      if (failed > 0) throw new Error(`${failed} signal evaluation(s) failed on ${pair.symbol} ${pair.interval}`);
    },
  };
}
