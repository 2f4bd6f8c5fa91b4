/**
 * Stops and stop cards written before bases were tagged (a bare `fractal` on the stop, its last
 * move, its candidate, its pending move, a card's first stop) read in the current shape.
 */
import { describe, expect, it } from 'vitest';
import { readStopIntent, readStoredStop } from '../../src/trading/stops/stop-basis.js';
import type { StopIntent } from '../../src/trading/stops/stop-types.js';

const fractal = { price: '61234.56', openTime: 1_759_000_000_000 };
const newer = { price: '62000.01', openTime: 1_759_100_000_000 };

describe('reading stops stored before bases were tagged', () => {
  it('turns every bare fractal of a stored stop into a fractal basis, and keeps the rest as it was', () => {
    const legacy = {
      id: 'abc',
      kind: 'fractal',
      symbol: 'BTCUSDT',
      interval: '4h',
      status: 'active',
      stopPrice: '61234.56',
      orders: 2,
      version: 7,
      fractal,
      lastMove: { at: 1, from: '60000', to: '61234.56', fractal, closeTime: 2 },
      candidate: { fractal: newer, stopPrice: '62000.01', note: 'not-below-price' },
      moving: { clientOrderId: 'bst-abc-3', stopPrice: '62000.01', fractal: newer, closeTime: 3 },
    };
    const stop = readStoredStop(JSON.stringify(legacy));
    expect(stop).toEqual({
      id: 'abc',
      kind: 'fractal',
      symbol: 'BTCUSDT',
      interval: '4h',
      status: 'active',
      stopPrice: '61234.56',
      orders: 2,
      version: 7,
      basis: { kind: 'fractal', ...fractal },
      lastMove: { at: 1, from: '60000', to: '61234.56', basis: { kind: 'fractal', ...fractal }, closeTime: 2 },
      candidate: { basis: { kind: 'fractal', ...newer }, stopPrice: '62000.01', note: 'not-below-price' },
      moving: { clientOrderId: 'bst-abc-3', stopPrice: '62000.01', basis: { kind: 'fractal', ...newer }, closeTime: 3 },
    });
  });

  it('reads a stop in the current shape unchanged', () => {
    const current = { id: 'p', kind: 'percent', percent: '3', basis: { kind: 'percent', percent: '3', high: '64000', openTime: 5 }, candidate: { basis: { kind: 'percent', percent: '3', high: '64100', openTime: 6 }, stopPrice: '62177', note: 'move-too-small' }, version: 1 };
    expect(readStoredStop(JSON.stringify(current))).toEqual(current);
  });

  it("reads a card shown before the upgrade and confirmed after it: its first stop's fractal becomes the basis", () => {
    const card = { kind: 'fractal', interval: '1h', armedAt: 9, quantity: '0.1', initial: { stopPrice: '61234.56', limitPrice: '60928.38', fractal } } as unknown as StopIntent;
    expect(readStopIntent(card).initial).toEqual({ stopPrice: '61234.56', limitPrice: '60928.38', basis: { kind: 'fractal', ...fractal } });
    const fixed: StopIntent = { kind: 'fixed', armedAt: 9, quantity: '0.1', initial: { stopPrice: '60000', limitPrice: '59700' } };
    expect(readStopIntent(fixed)).toBe(fixed);
  });
});
