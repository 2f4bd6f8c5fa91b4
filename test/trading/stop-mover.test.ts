/**
 * When a move goes wrong, against the simulator's real rules and cancelReplace:
 * - 409 (the cancel went through, the new stop was refused): the old stop is placed again at
 *   once and the trader is told;
 * - a new stop that would fail NOTIONAL or PERCENT_PRICE_BY_SIDE is never sent: the stop stays,
 *   and the trader is told why;
 * - a cancelReplace whose answer is lost (503 after it executed) is found by its client order id
 *   and adopted, not sent again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { floorToStep, mul, normalize } from '../../src/decimal.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { stopOrderClientId, type ManagedStop } from '../../src/trading/stops/stop-types.js';
import { eventually } from '../support/wait.js';
import { startStopHarness, type StopHarness } from './stop-harness.js';
import { at, exchangeInfoWith, formFractalAbove, hourlyRows, loadHistory } from './stop-scenario.js';

const CANCEL_REPLACE = '/api/v3/order/cancelReplace';
const HISTORY = 200;
const P0 = normalize(hourlyRows()[HISTORY - 1]![4]);

describe('stop moves that go wrong', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function armed(options: Parameters<typeof startStopHarness<ProgrammaticFeed>>[0] = {}): Promise<{ stop: ManagedStop; price: string }> {
    h = await startStopHarness<ProgrammaticFeed>({ ...options, sim: { balances: { BTC: '1', USDT: '1000' }, ...options.sim } });
    const { price } = loadHistory(h.sim.feed, HISTORY);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    await h.streamReady();
    return { stop, price };
  }
  const evaluated = (row: KlineRow) => h!.closeEvaluated('BTCUSDT', '1h', row[6]);

  it('409: the new stop is refused after the cancel, so the old stop is placed again and the trader told', async () => {
    const { stop, price } = await armed();
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated, () => {
      // Hold the cancelReplace at the exchange (within the 1 s recvWindow); while it waits the price
      // falls under the new stop, not under the old one, so the new order would trigger
      // immediately: -2010 after the cancel went through.
      h!.sim.control.faults.inject({ method: 'POST', path: CANCEL_REPLACE, action: 'delay', delayMs: 600 });
      void eventually(() => (h!.sim.control.faults.pending().length === 0 ? true : undefined), 'the cancelReplace to reach the exchange').then(() =>
        h!.sim.feed.setPrice('BTCUSDT', at(price, '1.015')),
      );
    });
    const newStop = normalize(floorToStep(fractal[3], '0.01'));

    expect(h!.requests('POST', CANCEL_REPLACE)).toBe(1);
    const cancelReplace = h!.sim.control.requests().find((r) => r.path === CANCEL_REPLACE)!;
    expect(cancelReplace.status).toBe(409);
    const after = (await h!.store.get(stop.id))!;
    expect(after).toMatchObject({ status: 'active', stopPrice: stop.stopPrice, limitPrice: stop.limitPrice, orders: 3, clientOrderId: stopOrderClientId(stop.id, 3) });
    expect(after.candidate).toMatchObject({ note: 'refused', stopPrice: newStop });
    const orders = h!.sim.control.orders('BTCUSDT');
    expect(orders.map((o) => [o.clientOrderId, o.status])).toEqual([
      [`bco-${stop.id}`, 'CANCELED'],
      [stopOrderClientId(stop.id, 3), 'NEW'],
    ]);
    expect(normalize(orders[1]!.stopPrice!)).toBe(stop.stopPrice);
    expect(h!.requests('POST', '/api/v3/order')).toBe(2);

    const alerts = await h!.stopAlerts();
    const replaced = alerts.find((a) => a.key === `stop-replaced-${stop.id}-3`)!;
    expect(replaced.text).toContain('The exchange cancelled the old stop but refused the new one: Order would trigger immediately.');
    expect(replaced.text).toContain('The old stop was placed again at');
    expect(alerts.some((a) => a.key.startsWith(`stop-moved-${stop.id}`))).toBe(false);
    expect(await h!.records.get(stopOrderClientId(stop.id, 3))).toMatchObject({ stopId: stop.id, entryPrice: price });
  });

  it('a new stop that would break NOTIONAL is not sent: it stays, and the trader is told why', async () => {
    // At most 0.1 × the arming price: the stop below it fits, a stop above it (the move) does not.
    const maxNotional = mul('0.1', P0);
    const { stop, price } = await armed({
      sim: { exchangeInfo: exchangeInfoWith((filters) => filters.map((f) => (f.filterType === 'NOTIONAL' ? { ...f, maxNotional } : f))) },
    });
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated);

    expect(h!.requests('POST', CANCEL_REPLACE)).toBe(0);
    const after = (await h!.store.get(stop.id))!;
    expect(after).toMatchObject({ stopPrice: stop.stopPrice, orderId: stop.orderId, candidate: { note: 'refused' } });
    const refused = (await h!.stopAlerts()).filter((a) => a.key.startsWith(`stop-refused-${stop.id}`));
    expect(refused.map((a) => a.key)).toEqual([`stop-refused-${stop.id}-${fractal[0]}-NOTIONAL`]);
    expect(refused[0]!.text).toMatch(/Why: The order value [\d.,]+ USDT \(at the stop price\) is above the maximum of [\d.]+ USDT/);
    expect(refused[0]!.text).toContain(`The stop stays at`);
  });

  it('a new stop that would break PERCENT_PRICE_BY_SIDE is not sent: it stays, and the trader is told why', async () => {
    // The limit of a SELL may not be under 0.95 × the average price: fine at arming, not once the price has run up.
    const { stop, price } = await armed({
      sim: { exchangeInfo: exchangeInfoWith((filters) => filters.map((f) => (f.filterType === 'PERCENT_PRICE_BY_SIDE' ? { ...f, askMultiplierDown: '0.95' } : f))) },
    });
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated);

    expect(h!.requests('POST', CANCEL_REPLACE)).toBe(0);
    expect((await h!.store.get(stop.id))?.stopPrice).toBe(stop.stopPrice);
    const refused = (await h!.stopAlerts()).filter((a) => a.key.startsWith(`stop-refused-${stop.id}`));
    expect(refused.map((a) => a.key)).toEqual([`stop-refused-${stop.id}-${fractal[0]}-PERCENT_PRICE_BY_SIDE`]);
    expect(refused[0]!.text).toMatch(/is too far below the market price/);
  });

  it('a cancelReplace whose answer is lost is found by its client order id and adopted, never sent twice', async () => {
    const { stop, price } = await armed();
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated, () => {
      h!.sim.control.faults.inject({ method: 'POST', path: CANCEL_REPLACE, action: 'error-503-after-execute' });
    });
    expect(h!.requests('POST', CANCEL_REPLACE)).toBe(1);
    const after = (await h!.store.get(stop.id))!;
    expect(after).toMatchObject({ stopPrice: normalize(floorToStep(fractal[3], '0.01')), clientOrderId: stopOrderClientId(stop.id, 2), orders: 2 });
    expect(h!.sim.control.orders('BTCUSDT').map((o) => o.status)).toEqual(['CANCELED', 'NEW']);
    expect((await h!.stopAlerts()).filter((a) => a.key.startsWith(`stop-moved-${stop.id}`))).toHaveLength(1);
    expect(await h!.records.sendAttemptedAt(stopOrderClientId(stop.id, 2))).toBeUndefined();
  });
});
