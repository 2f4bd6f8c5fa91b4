/**
 * The updates a price alert watch keeps (price-alert-watch.ts): the last minute of what was
 * evaluated live, against which an alert that reached the index late is checked.
 */
import { describe, expect, it } from 'vitest';
import type { PriceAlert } from '../../src/alerts/price-alert-types.js';
import { crossedSinceArming, newWatch, RECENT_UPDATES_MS, rememberUpdate, resetWatch } from '../../src/alerts/price-alert-watch.js';

const T = 1_780_000_000_000;
const alert = (condition: PriceAlert['condition'], armedAt: number): PriceAlert => ({
  id: '7', userId: 1, chatId: 1, symbol: 'BTCUSDT', condition, repeat: false, createdAt: armedAt, gen: 0, armed: true, armedAt,
});

describe('price alert watch: recent updates', () => {
  it('finds the first trade at or beyond the level after the arming, by the update extreme, never one before it', () => {
    const w = newWatch('BTCUSDT');
    rememberUpdate(w, { symbol: 'BTCUSDT', at: T, price: '101' });
    rememberUpdate(w, { symbol: 'BTCUSDT', at: T + 1_000, price: '99' });
    rememberUpdate(w, { symbol: 'BTCUSDT', at: T + 2_000, price: '99.5', high: '100.2' });
    rememberUpdate(w, { symbol: 'BTCUSDT', at: T + 3_000, price: '98', low: '97.9' });
    expect(crossedSinceArming(w, alert({ kind: 'above', level: '100' }, T + 500))).toEqual({ price: '100.2', at: T + 2_000 });
    expect(crossedSinceArming(w, alert({ kind: 'above', level: '100.5' }, T + 500))).toBeUndefined();
    expect(crossedSinceArming(w, alert({ kind: 'below', level: '98' }, T + 500))).toEqual({ price: '97.9', at: T + 3_000 });
    // Armed before the oldest update kept: what came between is not known here.
    expect(crossedSinceArming(w, alert({ kind: 'above', level: '100' }, T - 1))).toBe('unknown');
    expect(crossedSinceArming(w, alert({ kind: 'move', pct: '1', windowMs: 60_000 }, T + 500))).toBeUndefined();
  });

  it('keeps one minute, and forgets everything at a reconnect', () => {
    const w = newWatch('BTCUSDT');
    for (let s = 0; s <= 120; s++) rememberUpdate(w, { symbol: 'BTCUSDT', at: T + s * 1_000, price: '100' });
    expect(w.recent[0]!.at).toBe(T + 120_000 - RECENT_UPDATES_MS);
    expect(w.recent).toHaveLength(RECENT_UPDATES_MS / 1_000 + 1);
    resetWatch(w);
    expect(crossedSinceArming(w, alert({ kind: 'above', level: '1' }, T + 119_000))).toBe('unknown');
  });
});
