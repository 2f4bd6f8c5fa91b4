/**
 * The fractal trailing stop end to end on the programmatic feed: armed through the card and the
 * orders pipeline exactly once, moved by ONE cancelReplace when a new fractal above the entry is
 * confirmed by a candle close announced on the kline stream, held while /pause is on, and a
 * waiting stop placed at its first fractal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { floorToStep, normalize } from '../../src/decimal.js';
import { isAppError } from '../../src/errors.js';
import { stopLimitPrice } from '../../src/trading/stops/stop-pricing.js';
import { stopOrderClientId } from '../../src/trading/stops/stop-types.js';
import { at, candle, formFractalAbove, loadHistory, newestFractalBelow } from './stop-scenario.js';
import { startStopHarness, TRADER, type StopHarness } from './stop-harness.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';

const CANCEL_REPLACE = '/api/v3/order/cancelReplace';

describe('fractal trailing stop', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('arms through the card exactly once, then moves up with one cancelReplace when a new fractal is confirmed', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
    const { rows, price } = loadHistory(h.sim.feed, 200);
    const expected = newestFractalBelow(rows, price)!;

    const card = await h.desk.prepareStop({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } }, TRADER);
    expect(card.text).toContain('Trailing stop on <b>1h</b> candles');
    expect(card.text).toContain(`Stop price: <b>`);
    // Confirm, a double tap and a replay: one stop, one order.
    await h.service.confirm(card.intentId, TRADER.userId);
    for (let i = 0; i < 2; i++) {
      const again = await h.service.confirm(card.intentId, TRADER.userId).catch((e: unknown) => e);
      expect(isAppError(again) && again.code).toBe('CONFIRM_ALREADY_USED');
    }
    const stop = await waitActive(h, card.intentId);
    expect(stop).toMatchObject({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', quantity: '0.10000', entryPrice: price, entrySource: 'price' });
    expect(stop.stopPrice).toBe(normalize(floorToStep(rows[expected]![3], '0.01')));
    expect(stop.basis).toEqual({ kind: 'fractal', price: normalize(rows[expected]![3]), openTime: rows[expected]![0] });
    expect(h.requests('POST', '/api/v3/order')).toBe(1);
    const [order] = h.sim.control.orders('BTCUSDT');
    expect(order).toMatchObject({ type: 'STOP_LOSS_LIMIT', side: 'SELL', status: 'NEW', clientOrderId: `bco-${card.intentId}` });
    expect(normalize(order!.stopPrice!)).toBe(stop.stopPrice);
    expect((await h.records.get(order!.clientOrderId))?.entryPrice).toBe(price);

    await h.streamReady();
    const { fractal, confirmedBy } = await formFractalAbove(h.sim.feed, price, (row) => h!.closeEvaluated('BTCUSDT', '1h', row[6]));

    expect(h.requests('POST', CANCEL_REPLACE)).toBe(1);
    const moved = (await h.store.get(card.intentId))!;
    const newStop = normalize(floorToStep(fractal[3], '0.01'));
    expect(moved).toMatchObject({ status: 'active', stopPrice: newStop, orders: 2, clientOrderId: stopOrderClientId(card.intentId, 2) });
    expect(moved.lastMove).toMatchObject({ from: stop.stopPrice, to: newStop, basis: { kind: 'fractal', price: normalize(fractal[3]), openTime: fractal[0] }, closeTime: confirmedBy[6] });
    const orders = h.sim.control.orders('BTCUSDT');
    expect(orders.map((o) => o.status)).toEqual(['CANCELED', 'NEW']);
    expect(normalize(orders[1]!.stopPrice!)).toBe(newStop);
    expect(normalize(orders[1]!.price)).toBe(stopLimitPrice(newStop, '0.5', '0.01'));

    const oldRecord = await h.records.get(`bco-${card.intentId}`);
    expect(oldRecord).toMatchObject({ status: 'CANCELED', replacedBy: stopOrderClientId(card.intentId, 2) });
    expect(await h.records.get(stopOrderClientId(card.intentId, 2))).toMatchObject({ stopId: card.intentId, entryPrice: price, status: 'NEW' });

    const alerts = await h.stopAlerts();
    expect(alerts.map((a) => a.key.replace(card.intentId, 'ID'))).toEqual(['stop-armed-ID', 'stop-moved-ID-2']);
    expect(alerts[1]!.text).toContain('Stop moved');
    expect(alerts.every((a) => a.chatId === TRADER.chatId && a.category === 'stop')).toBe(true);
  });

  it('holds moves while /pause is on, and moves at the next close after /resume', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    await h.streamReady();
    await h.service.pause(TRADER);
    const { fractal } = await formFractalAbove(h.sim.feed, price, (row) => h!.closeEvaluated('BTCUSDT', '1h', row[6]));
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(0);
    expect((await h.store.get(stop.id))?.candidate).toMatchObject({ note: 'paused', basis: { kind: 'fractal', openTime: fractal[0] } });
    expect((await h.desk.lastStopEvaluation())?.summary).toMatch(/paused/);

    await h.service.resume(TRADER);
    const next = candle(h.sim.feed, at(price, '1.06'), at(price, '1.08'));
    await h.closeEvaluated('BTCUSDT', '1h', next[6]);
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(1);
    expect((await h.store.get(stop.id))?.stopPrice).toBe(normalize(floorToStep(fractal[3], '0.01')));
  });

  it('ignores a move smaller than STOP_MIN_MOVE_PCT, and says so once for that fractal', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, minMovePct: '5' });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    await h.streamReady();
    const { fractal } = await formFractalAbove(h.sim.feed, price, (row) => h!.closeEvaluated('BTCUSDT', '1h', row[6]));
    const next = candle(h.sim.feed, at(price, '1.06'), at(price, '1.08'));
    await h.closeEvaluated('BTCUSDT', '1h', next[6]);

    expect(h.requests('POST', CANCEL_REPLACE)).toBe(0);
    const after = (await h.store.get(stop.id))!;
    expect(after.stopPrice).toBe(stop.stopPrice);
    expect(after.candidate).toMatchObject({ note: 'move-too-small', basis: { kind: 'fractal', openTime: fractal[0] } });
    const held = (await h.stopAlerts()).filter((a) => a.key.startsWith(`stop-held-${stop.id}`));
    expect(held.map((a) => a.key)).toEqual([`stop-held-${stop.id}-${fractal[0]}`]);
    expect(held[0]!.text).toContain('the rise is smaller than STOP_MIN_MOVE_PCT');
  });

  it('a stop armed with no fractal below the price waits, and is placed at its first fractal', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
    // Only the forming candle: no confirmed fractal exists yet.
    const price = normalize(h.sim.feed.price('BTCUSDT')!);
    h.sim.feed.loadKlines('BTCUSDT', '1h', []);
    h.sim.feed.setPrice('BTCUSDT', price);
    const card = await h.desk.prepareStop({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h' }, TRADER);
    expect(card.text).toContain('No confirmed bullish fractal below the price yet');
    const outcome = await h.service.confirm(card.intentId, TRADER.userId);
    expect(outcome).toMatchObject({ status: 'armed' });
    expect(outcome.text).toContain('Armed by alice');
    expect(h.requests('POST', '/api/v3/order')).toBe(0);
    const waiting = (await h.store.get(card.intentId))!;
    expect(waiting).toMatchObject({ status: 'waiting', orders: 0 });
    expect(normalize(waiting.quantity)).toBe('1');

    await h.streamReady();
    const { fractal } = await formFractalAbove(h.sim.feed, price, (row) => h!.closeEvaluated('BTCUSDT', '1h', row[6]));
    const placed = (await h.store.get(card.intentId))!;
    expect(placed).toMatchObject({ status: 'active', stopPrice: normalize(floorToStep(fractal[3], '0.01')), clientOrderId: stopOrderClientId(card.intentId, 1) });
    expect(placed.lastMove?.from).toBeUndefined();
    expect(h.requests('POST', '/api/v3/order')).toBe(1);
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(0);
    const keys = (await h.stopAlerts()).map((a) => a.key.replace(card.intentId, 'ID'));
    expect(keys).toEqual(['stop-armed-ID', 'stop-moved-ID-1']);
  });
});

async function waitActive(h: StopHarness<ProgrammaticFeed>, id: string) {
  const { eventually } = await import('../support/wait.js');
  return eventually(async () => (await h.desk.listStops()).find((s) => s.id === id && s.status === 'active'), 'the stop to be placed');
}
