/**
 * Turning a price alert's fire into exactly one alert job (DESIGN.md §6b). A fire is claimed in
 * Redis (price-alert-store.ts FIRE: compare-and-set on the alert's generation, which removes or
 * disarms it and writes the job to an outbox in one step), then enqueued under the claim's key as
 * its BullMQ job id, then taken off the outbox. A worker killed between claim and enqueue leaves
 * the job in the outbox; any live worker's next flush enqueues it, and the same job id cannot
 * enqueue twice.
 */
import { Counter, type Registry } from 'prom-client';
import { tickDecimals } from '../binance/filters.js';
import type { SymbolInfo } from '../binance/types.js';
import type { Logger } from '../logger.js';
import type { AlertJob, AlertSink } from '../trading/types.js';
import type { PriceAlertStore } from './price-alert-store.js';
import { fireText, priceFormat } from './price-alert-text.js';
import type { Fire, PriceAlert } from './price-alert-types.js';

export interface PriceAlertClaimsDeps {
  store: Pick<PriceAlertStore, 'fire' | 'pendingOutbox' | 'settleOutbox'>;
  alerts: AlertSink;
  /** The symbol's tick, for the prices in the message. */
  symbols?: { symbol(name: string): Promise<SymbolInfo | undefined> };
  /** The [Chart] and [Buy…] buttons of a fire (the bot feature's schema, passed in by the wiring). */
  buttons?(alert: PriceAlert): AlertJob['buttons'];
  log: Logger;
  registry?: Registry;
}

export interface PriceAlertClaims {
  /** Claims one fire and enqueues its job; a fire another worker (or an earlier retry) claimed adds nothing. Never throws. */
  claim(fire: Fire): Promise<void>;
  /** Enqueues claimed fires a crash left in the outbox; returns how many. */
  flushOutbox(): Promise<number>;
}

/** Job key of a fire: the alert and the generation (or candle) it fires, one job each. */
export const fireKey = (fire: Pick<Fire, 'alert' | 'closeTime'>): string => `pa-${fire.alert.id}-${fire.alert.gen}${fire.closeTime !== undefined ? `-${fire.closeTime}` : ''}`;

export function createPriceAlertClaims(deps: PriceAlertClaimsDeps): PriceAlertClaims {
  const { store, log } = deps;
  const decimals = new Map<string, number | undefined>();
  const fired = new Counter({ name: 'binance_chatops_price_alerts_fired_total', help: 'Price alerts fired (claimed), by kind', labelNames: ['kind'] as const, registers: deps.registry ? [deps.registry] : [] });

  async function priceDecimals(symbol: string): Promise<number | undefined> {
    if (!decimals.has(symbol)) {
      const info = await deps.symbols?.symbol(symbol).catch(() => undefined);
      decimals.set(symbol, info ? tickDecimals(info) : undefined);
    }
    return decimals.get(symbol);
  }

  return {
    async claim(fire) {
      const key = fireKey(fire);
      try {
        const text = fireText(fire, priceFormat(await priceDecimals(fire.alert.symbol)));
        const buttons = deps.buttons?.(fire.alert);
        const job: AlertJob = { key, chatId: fire.alert.chatId, userId: fire.alert.userId, category: 'price', text, ...(buttons ? { buttons } : {}) };
        const result = await store.fire({ alert: fire.alert, mode: fire.mode, at: fire.at, closeTime: fire.closeTime, job });
        if (result !== 'claimed') return;
        fired.inc({ kind: fire.alert.condition.kind });
        log.info({ id: fire.alert.id, symbol: fire.alert.symbol, key, price: fire.price, caughtUp: fire.caughtUp !== undefined }, 'price alert fired');
        await deps.alerts.enqueue(job);
        await store.settleOutbox(key);
      } catch (error) {
        log.error({ err: error, id: fire.alert.id, key }, 'price alert fire failed; it stays claimed in the outbox or armed');
      }
    },

    async flushOutbox() {
      const pending = await store.pendingOutbox();
      for (const [claimId, job] of pending) {
        await deps.alerts.enqueue(job);
        await store.settleOutbox(claimId);
      }
      if (pending.size > 0) log.info({ count: pending.size }, 'claimed price alerts from the outbox enqueued');
      return pending.size;
    },
  };
}
