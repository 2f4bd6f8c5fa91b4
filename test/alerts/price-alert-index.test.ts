/**
 * The price alert index on its own (no Redis, no network): levels found by binary search and
 * decided exactly, wicks seen through the update's extremes, repeat alerts re-armed only after
 * the price moved back, and move alerts measured from their arming, never from before it.
 */
import { describe, expect, it } from 'vitest';
import { createPriceAlertIndex, movedDown, movedUp } from '../../src/alerts/price-alert-index.js';
import type { PriceAlert, PriceAlertCondition } from '../../src/alerts/price-alert-types.js';

const T0 = Date.UTC(2026, 11, 6, 9, 0, 0);
let seq = 0;
function alert(condition: PriceAlertCondition, extra: Partial<PriceAlert> = {}): PriceAlert {
  seq += 1;
  return { id: String(seq), userId: 1, chatId: 1, symbol: 'BTCUSDT', condition, repeat: false, createdAt: T0, gen: 0, armed: true, armedAt: T0, ...extra };
}

describe('price alert index', () => {
  it('fires exactly the levels an update crossed, deciding the last tick exactly', () => {
    const index = createPriceAlertIndex({ now: () => T0 });
    // Two levels whose doubles are equal: only the exact comparison tells them apart.
    const tight = alert({ kind: 'above', level: '0.30000000000000001' });
    const at = alert({ kind: 'above', level: '0.3' });
    const far = alert({ kind: 'above', level: '0.31' });
    const below = alert({ kind: 'below', level: '0.29' });
    for (const a of [tight, at, far, below]) index.upsert(a);
    const r = index.evaluate({ symbol: 'BTCUSDT', at: T0 + 1, price: '0.3' });
    expect(r.fires.map((f) => f.alert.id)).toEqual([at.id]);
    expect(index.size()).toBe(3);
    // A wick up between two pushes (the high) fires the next level, at the wick's price.
    const wick = index.evaluate({ symbol: 'BTCUSDT', at: T0 + 2, price: '0.295', high: '0.31', low: '0.29' });
    expect(wick.fires.map((f) => [f.alert.id, f.price]).sort()).toEqual([[tight.id, '0.31'], [far.id, '0.31'], [below.id, '0.29']].sort());
    expect(index.size()).toBe(0);
    // Other symbols are not touched.
    expect(index.evaluate({ symbol: 'ETHUSDT', at: T0, price: '1' }).fires).toEqual([]);
  });

  it('finds the crossed levels among 10,000 by search, not by scan', () => {
    const index = createPriceAlertIndex({ now: () => T0 });
    for (let i = 0; i < 10_000; i++) index.upsert(alert({ kind: i % 2 === 0 ? 'above' : 'below', level: String(60_000 + i) }));
    const r = index.evaluate({ symbol: 'BTCUSDT', at: T0, price: '65000.5' });
    // above levels 60000, 60002, … 65000 (2501) and below levels 65001 … 69999 (2500).
    expect(r.fires.filter((f) => f.alert.condition.kind === 'above')).toHaveLength(2501);
    expect(r.fires.filter((f) => f.alert.condition.kind === 'below')).toHaveLength(2500);
    expect(index.size()).toBe(10_000 - 5001);
  });

  it('re-arms a repeat alert only once the price is back beyond the level', () => {
    const index = createPriceAlertIndex({ now: () => T0 });
    const a = alert({ kind: 'above', level: '100' }, { repeat: true });
    index.upsert(a);
    const fire = index.evaluate({ symbol: 'BTCUSDT', at: T0, price: '100' }).fires[0]!;
    expect(fire.mode).toBe('disarm');
    // As the store leaves it after the claim: disarmed, next generation.
    index.upsert({ ...a, gen: 1, armed: false });
    expect(index.evaluate({ symbol: 'BTCUSDT', at: T0 + 1, price: '99.95' }).rearms).toEqual([]);
    expect(index.evaluate({ symbol: 'BTCUSDT', at: T0 + 2, price: '99.9' }).rearms.map((x) => x.id)).toEqual([a.id]);
  });

  it('measures a move from the arming on, up or down, in whole decimals', () => {
    expect(movedUp('100', '105', '5')).toBe(true);
    expect(movedUp('100', '104.99999999', '5')).toBe(false);
    expect(movedDown('100', '95', '5')).toBe(true);
    let clock = T0;
    const index = createPriceAlertIndex({ now: () => clock });
    // The price fell 10% before the alert: that move must not fire it.
    index.evaluate({ symbol: 'BTCUSDT', at: T0 - 1, price: '110' });
    const young = alert({ kind: 'move', pct: '5', windowMs: 3_600_000 });
    index.upsert(young);
    expect(index.evaluate({ symbol: 'BTCUSDT', at: T0, price: '100' }).fires).toEqual([]);
    expect(index.evaluate({ symbol: 'BTCUSDT', at: T0 + 60_000, price: '102' }).fires).toEqual([]);
    const f = index.evaluate({ symbol: 'BTCUSDT', at: T0 + 120_000, price: '105' }).fires[0]!;
    expect(f.detail).toMatchObject({ kind: 'move', direction: 'up', from: '100', fromAt: T0 });
    // An alert older than its window reads the shared minute buckets.
    clock = T0 + 3 * 3_600_000;
    const old = alert({ kind: 'move', pct: '3', windowMs: 600_000 }, { armedAt: T0 });
    index.upsert(old);
    for (let m = 0; m < 15; m++) expect(index.evaluate({ symbol: 'BTCUSDT', at: clock + m * 60_000, price: String(200 - m * 0.1) }).fires).toEqual([]);
    const down = index.evaluate({ symbol: 'BTCUSDT', at: clock + 15 * 60_000, price: '193' }).fires[0]!;
    // The window is the last 10 minutes: its high is 199.4 (minute 6), not 200.
    expect(down.detail).toMatchObject({ kind: 'move', direction: 'down', from: '199.4' });
  });
});
