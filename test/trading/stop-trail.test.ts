/**
 * Percentage and ATR trailing stops end to end on the programmatic feed (200 real BTCUSDT 1h
 * candles, then candles traded here): armed through the card, moved by ONE cancelReplace per new
 * high through the same stop mover as fractal stops, held when the level does not rise, and
 * alerted with why the stop is where it is. A fractal stop stored in the shape written before
 * bases were tagged still loads and still trails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { normalize } from '../../src/decimal.js';
import { formatAmount } from '../../src/format.js';
import { atrStopPrice, latestAtr, TA_CANDLES } from '../../src/market/indicators.js';
import { stopLimitPrice } from '../../src/trading/stops/stop-pricing.js';
import { stopOrderClientId } from '../../src/trading/stops/stop-types.js';
import type { KlineRow } from '../../src/binance/types.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { klineFromRow } from '../support/klines.js';
import { at, formFractalAbove, loadHistory } from './stop-scenario.js';
import { startStopHarness, type StopHarness } from './stop-harness.js';

const CANCEL_REPLACE = '/api/v3/order/cancelReplace';
const shown = (v: string) => formatAmount(v, 2);

/** Trades up to `high`, then to `close`, and closes the 1h candle; returns the candle as closed. */
function candleWithHigh(feed: ProgrammaticFeed, high: string, close: string): KlineRow {
  feed.setPrice('BTCUSDT', high);
  feed.setPrice('BTCUSDT', close);
  const forming = feed.klines('BTCUSDT', '1h', { limit: 1 })[0]!;
  feed.closeCandle('BTCUSDT', '1h');
  return feed.klines('BTCUSDT', '1h', { limit: 2 }).find((r) => r[0] === forming[0])!;
}

describe('percentage and ATR trailing stops', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a 3 % stop moves to 3 % under each new high with one cancelReplace, and holds under a lower high', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'percent', symbol: 'BTCUSDT', percent: '3', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    expect(stop).toMatchObject({ kind: 'percent', percent: '3', interval: '1h', status: 'active', stopPrice: at(price, '0.97'), high: { price } });
    expect(stop.basis).toMatchObject({ kind: 'percent', percent: '3', high: price });
    await h.streamReady();

    // The candle forming at arming counts by its close: its high may come from before arming.
    const arming = candleWithHigh(h.sim.feed, at(price, '1.05'), at(price, '1.02'));
    await h.closeEvaluated('BTCUSDT', '1h', arming[6]);
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(1);
    const first = (await h.store.get(stop.id))!;
    expect(first).toMatchObject({ stopPrice: at(normalize(arming[4]), '0.97'), high: { price: normalize(arming[4]), openTime: arming[0] } });

    // A new high: the stop goes 3 % under it.
    const up = candleWithHigh(h.sim.feed, at(price, '1.05'), at(price, '1.04'));
    await h.closeEvaluated('BTCUSDT', '1h', up[6]);
    const high = normalize(up[2]);
    const newStop = at(high, '0.97');
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(2);
    const moved = (await h.store.get(stop.id))!;
    expect(moved).toMatchObject({ status: 'active', stopPrice: newStop, orders: 3, clientOrderId: stopOrderClientId(stop.id, 3), high: { price: high, openTime: up[0] } });
    expect(moved.lastMove).toMatchObject({ from: first.stopPrice, to: newStop, basis: { kind: 'percent', percent: '3', high, openTime: up[0] }, closeTime: up[6] });
    const orders = h.sim.control.orders('BTCUSDT');
    expect(orders.map((o) => o.status)).toEqual(['CANCELED', 'CANCELED', 'NEW']);
    expect(normalize(orders[2]!.stopPrice!)).toBe(newStop);
    expect(normalize(orders[2]!.price)).toBe(stopLimitPrice(newStop, '0.5', '0.01'));

    // A lower high: the level would be lower, the stop stays; nothing is sent.
    const lower = candleWithHigh(h.sim.feed, at(price, '1.045'), at(price, '1.03'));
    await h.closeEvaluated('BTCUSDT', '1h', lower[6]);
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(2);
    const held = (await h.store.get(stop.id))!;
    expect(held).toMatchObject({ stopPrice: newStop, high: { price: high }, candidate: { note: 'not-above-stop', stopPrice: newStop, basis: { kind: 'percent', high } } });

    const alerts = await h.stopAlerts();
    expect(alerts.map((a) => a.key.replace(stop.id, 'ID'))).toEqual(['stop-armed-ID', 'stop-moved-ID-2', 'stop-moved-ID-3']);
    expect(alerts[2]!.text).toContain(`⬆️ <b>Stop moved</b>: <b>BTCUSDT</b> · 3 % trailing 1h ${shown(first.stopPrice!)} → <b>${shown(newStop)}</b> (3 % under the high ${shown(high)})`);
    expect(alerts[2]!.text).toContain(`Decided at the close of `);
  });

  it('with STOP_MIN_MOVE_PCT = 1 a new high that lifts the stop by less is held (shown as the candidate), a bigger one moves it', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } }, minMovePct: '1' });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'percent', symbol: 'BTCUSDT', percent: '3', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    await h.streamReady();
    const arming = candleWithHigh(h.sim.feed, price, price);
    await h.closeEvaluated('BTCUSDT', '1h', arming[6]);

    const small = candleWithHigh(h.sim.feed, at(price, '1.005'), at(price, '1.004'));
    await h.closeEvaluated('BTCUSDT', '1h', small[6]);
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(0);
    expect(await h.store.get(stop.id)).toMatchObject({ stopPrice: stop.stopPrice, high: { price: normalize(small[2]) }, candidate: { note: 'move-too-small', stopPrice: at(normalize(small[2]), '0.97') } });

    const big = candleWithHigh(h.sim.feed, at(price, '1.02'), at(price, '1.015'));
    await h.closeEvaluated('BTCUSDT', '1h', big[6]);
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(1);
    expect((await h.store.get(stop.id))!.stopPrice).toBe(at(normalize(big[2]), '0.97'));
    // A percent stop's held rises are not news: only the armed and moved alerts.
    expect((await h.stopAlerts()).map((a) => a.key.replace(stop.id, 'ID'))).toEqual(['stop-armed-ID', 'stop-moved-ID-2']);
  });

  it('an ATR stop moves to the new high − 2 × ATR(14) of the closed candles, and says so', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'atr', symbol: 'BTCUSDT', multiple: '2', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    expect(stop).toMatchObject({ kind: 'atr', atrMultiple: '2', status: 'active', basis: { kind: 'atr', multiple: '2', high: price } });
    await h.streamReady();
    // The candle forming at arming closes where it was armed. No new high, but its ATR(14) is
    // smaller now (a candle without range): the level may rise, never fall.
    const arming = candleWithHigh(h.sim.feed, price, price);
    await h.closeEvaluated('BTCUSDT', '1h', arming[6]);
    const before = (await h.store.get(stop.id))!;
    expect(Number(before.stopPrice)).toBeGreaterThanOrEqual(Number(stop.stopPrice));
    const sent = h.requests('POST', CANCEL_REPLACE);

    const up = candleWithHigh(h.sim.feed, at(price, '1.03'), at(price, '1.025'));
    await h.closeEvaluated('BTCUSDT', '1h', up[6]);
    const klines = (await h.exchange.klines('BTCUSDT', '1h', { limit: TA_CANDLES + 1 })).filter((k) => k.closeTime <= up[6]);
    const atr = latestAtr(klines, up[6] + 1)!;
    const high = normalize(up[2]);
    const newStop = normalize(atrStopPrice(high, atr, '0.01', 2)!);
    expect(klineFromRow(up).high).toBe(klines.at(-1)!.high);

    expect(h.requests('POST', CANCEL_REPLACE)).toBe(sent + 1);
    const moved = (await h.store.get(stop.id))!;
    expect(moved).toMatchObject({ stopPrice: newStop, lastMove: { from: before.stopPrice, to: newStop, basis: { kind: 'atr', multiple: '2', high } } });
    const alert = (await h.stopAlerts()).at(-1);
    expect(alert!.key).toBe(`stop-moved-${stop.id}-${moved.orders}`);
    expect(alert!.text).toContain(`${shown(before.stopPrice!)} → <b>${shown(newStop)}</b> (2 × ATR ${shown(moved.lastMove!.basis.kind === 'atr' ? moved.lastMove!.basis.atr : '')} under the high ${shown(high)})`);
    expect(Number(moved.lastMove!.basis.kind === 'atr' && moved.lastMove!.basis.atr)).toBeCloseTo(atr, 6);
  });

  it('a fractal stop stored before bases were tagged (bare `fractal` fields) loads and still trails', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { BTC: '1', USDT: '1000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const stop = await h.arm({ kind: 'fractal', symbol: 'BTCUSDT', interval: '1h', amount: { kind: 'base', quantity: '0.1' } });
    // Rewritten in the untagged shape (a bare fractal), which stop-basis.ts reads as a fractal basis.
    const { basis, ...rest } = stop;
    const fractal = { price: (basis as { price: string }).price, openTime: basis!.openTime };
    const legacy = { ...rest, fractal, candidate: { fractal, stopPrice: stop.stopPrice, note: 'not-above-stop' } };
    await h.producer.set(`${h.prefix}:stop:${stop.id}`, JSON.stringify(legacy));
    const read = (await h.store.get(stop.id))!;
    expect(read.basis).toEqual({ kind: 'fractal', ...fractal });
    expect(read.candidate).toEqual({ basis: { kind: 'fractal', ...fractal }, stopPrice: stop.stopPrice, note: 'not-above-stop' });
    expect(read).not.toHaveProperty('fractal');

    await h.streamReady();
    const { fractal: formed } = await formFractalAbove(h.sim.feed, price, (row) => h!.closeEvaluated('BTCUSDT', '1h', row[6]));
    expect(h.requests('POST', CANCEL_REPLACE)).toBe(1);
    expect((await h.store.get(stop.id))!.lastMove).toMatchObject({ from: stop.stopPrice, basis: { kind: 'fractal', openTime: formed[0] } });
    const raw = JSON.parse((await h.producer.get(`${h.prefix}:stop:${stop.id}`))!) as Record<string, unknown>;
    expect(raw).not.toHaveProperty('fractal');
    expect(raw.basis).toMatchObject({ kind: 'fractal', openTime: formed[0] });
  });
});
