/**
 * A managed stop with a take-profit is one OCO list (DESIGN.md §5b), against the simulator's real
 * order lists over HTTP, the order worker, the stop manager and (for /tp) the real bot:
 * - /tp on a managed stop: its job cancels the lone stop and places one OCO with the same stop
 *   and the target; /stops shows both legs;
 * - a plan with sl=fractal is adopted as a managed stop with its target, and a new fractal moves
 *   it by DELETE /api/v3/orderList then POST /api/v3/orderList/oco, under `bkl-<plan>-m1`;
 * - the price falls through the stop between the cancel and the new list: the move sells at
 *   market, as the stop would have, and tells the trader.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KlineRow } from '../../src/binance/types.js';
import { floorToStep, lt, lte, normalize } from '../../src/decimal.js';
import { stripTags } from '../../src/format.js';
import type { ProgrammaticFeed } from '../../src/sim/types.js';
import { stopListId } from '../../src/trading/brackets/bracket-ids.js';
import type { ManagedStop } from '../../src/trading/stops/stop-types.js';
import { eventually } from '../support/wait.js';
import { startStopHarness, TRADER, type StopHarness } from './stop-harness.js';
import { at, candle, formFractalAbove, loadHistory } from './stop-scenario.js';

const OCO = '/api/v3/orderList/oco';
const LIST = '/api/v3/orderList';
type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('stops with a take-profit: one OCO list', () => {
  let h: StopHarness<ProgrammaticFeed> | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('/tp on a managed stop replaces the lone stop by one OCO with the same stop and the target', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ bot: true, sim: { balances: { BTC: '1', USDT: '1000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
    const stop = await h.arm({ kind: 'fixed', symbol: 'BTCUSDT', stopPrice: '60000', amount: { kind: 'base', quantity: '0.1' } });
    await h.send('/tp BTCUSDT 70000');
    const card = h.messages().at(-1)!;
    const text = stripTags(card.text ?? '');
    expect(text).toContain('LIMIT_MAKER');
    expect(text).toContain('Limit price: 70,000.00 USDT');
    expect(text).toContain('With your managed stop at 60,000.00 (limit 59,700.00) on the same 0.10000 BTC: Confirm replaces the stop order by one OCO list');
    expect(h.requests('POST', OCO)).toBe(0);
    await h.press(card.message_id, buttonsOf(card.reply_markup).find((b) => b.text.includes('Confirm'))!.callback_data);

    const after = await eventually(async () => {
      const s = await h!.store.get(stop.id);
      return s?.target?.orderListId !== undefined ? s : undefined;
    }, 'the stop to hold its list').catch((error: unknown) => {
      throw new Error(`${String(error)}: ${h!.messages().map((m) => m.text).join('\n---\n')}`);
    });
    const listId = stopListId(stop.id, 2);
    expect(after).toMatchObject({ status: 'active', stopPrice: '60000', limitPrice: '59700', clientOrderId: `skl-${listId.slice(4)}`, target: { price: '70000', listClientOrderId: listId } });
    const orders = h.sim.control.orders('BTCUSDT').map((o) => [o.clientOrderId, o.type, o.status, normalize(o.origQty)]);
    expect(orders).toEqual([
      [`bco-${stop.id}`, 'STOP_LOSS_LIMIT', 'CANCELED', '0.1'],
      [`skl-${listId.slice(4)}`, 'STOP_LOSS_LIMIT', 'NEW', '0.1'],
      [`tkl-${listId.slice(4)}`, 'LIMIT_MAKER', 'NEW', '0.1'],
    ]);
    expect(h.requests('DELETE', '/api/v3/order')).toBe(1);
    expect(h.requests('POST', OCO)).toBe(1);

    // The card ends on the list; the trader hears it once; /stops shows both legs, not the list twice.
    await eventually(() => (stripTags(h!.messages().find((m) => m.message_id === card.message_id)?.text ?? '').includes('One OCO list') ? true : undefined), 'the card to name the list');
    const alerts = (await h.stopAlerts()).filter((a) => a.key === `stop-moved-${stop.id}-2`);
    expect(alerts).toHaveLength(1);
    expect(stripTags(alerts[0]!.text)).toContain('Take-profit set');
    await h.send('/stops');
    const stops = stripTags(h.messages().at(-1)!.text ?? '');
    expect(stops).toMatch(/Stop 60,000\.00 \(limit 59,700\.00\)/);
    expect(stops).toContain('Target 70,000.00 (+7.69% from the price) · stop 60,000.00 (−7.69% from the price) · OCO list');
    expect(stops).not.toContain('Plan exits');

    // A second /tp on the same stop names the target it replaces.
    await h.send('/tp BTCUSDT 72000');
    expect(stripTags(h.messages().at(-1)!.text ?? '')).toContain('Your managed stop at 60,000.00 (limit 59,700.00) on the same 0.10000 BTC already has a target at 70,000.00: Confirm replaces its OCO list by one with this target and the same stop.');
  });

  it('the target fills: the exchange expires the stop leg and the managed stop is let go quietly; /stop off cancels a list', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ bot: true, sim: { balances: { BTC: '1', USDT: '1000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
    const filled = await h.arm({ kind: 'fixed', symbol: 'BTCUSDT', stopPrice: '60000', amount: { kind: 'base', quantity: '0.1' } });
    const removed = await h.arm({ kind: 'fixed', symbol: 'BTCUSDT', stopPrice: '59000', amount: { kind: 'base', quantity: '0.2' } });
    for (const [stop, target] of [[filled, '66000'], [removed, '69000']] as const) {
      await h.send(`/tp BTCUSDT ${target} ${stop.quantity}`);
      const card = h.messages().at(-1)!;
      expect(stripTags(card.text ?? '')).toContain('Confirm replaces the stop order by one OCO list');
      await h.press(card.message_id, buttonsOf(card.reply_markup).find((b) => b.text.includes('Confirm'))!.callback_data);
      await eventually(async () => ((await h!.store.get(stop.id))?.target?.orderListId !== undefined ? true : undefined), 'the stop to hold its list');
    }
    h.sim.feed.setPrice('BTCUSDT', '66500');
    await eventually(() => (h!.sim.control.orders('BTCUSDT').some((o) => o.type === 'LIMIT_MAKER' && o.status === 'FILLED') ? true : undefined), 'the target to fill');
    await h.manager.checkStops();
    expect(await h.store.get(filled.id)).toBeUndefined();
    expect((await h.stopAlerts()).filter((a) => a.key.startsWith(`stop-outside-${filled.id}`))).toEqual([]);

    const reply = await h.desk.removeStops('BTCUSDT', TRADER);
    expect(stripTags(reply)).toContain('BTCUSDT');
    expect(h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toEqual([]);
    expect(await h.store.get(removed.id)).toBeUndefined();
  });

  async function fractalPlan(): Promise<{ stop: ManagedStop; price: string; intentId: string }> {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { USDT: '20000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const card = await h.service.prepareBracket(
      { symbol: 'BTCUSDT', size: { kind: 'amount', amount: { kind: 'base', quantity: '0.1' } }, stop: { kind: 'fractal', interval: '1h' }, target: { kind: 'percent', percent: '20' } },
      TRADER,
    );
    await h.service.confirm(card.intentId, TRADER.userId);
    const stop = await eventually(() => h!.store.get(card.intentId), 'the plan to be adopted as a managed stop');
    await h.streamReady();
    return { stop, price, intentId: card.intentId };
  }
  const evaluated = (row: KlineRow) => h!.closeEvaluated('BTCUSDT', '1h', row[6]);

  it('sl=fractal inside a plan moves by cancelling the list and placing a new OCO, target kept', async () => {
    const { stop, price, intentId } = await fractalPlan();
    expect(stop).toMatchObject({ kind: 'fractal', interval: '1h', quantity: '0.0999', orders: 0, target: { listClientOrderId: `bkl-${intentId}` } });
    const target = stop.target!.price;
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated);
    const newStop = normalize(floorToStep(fractal[3], '0.01'));

    const after = (await h!.store.get(stop.id))!;
    const listId = stopListId(intentId, 1);
    expect(after).toMatchObject({ status: 'active', stopPrice: newStop, orders: 1, target: { price: target, listClientOrderId: listId } });
    expect(h!.requests('DELETE', LIST)).toBe(1);
    expect(h!.requests('POST', OCO)).toBe(2);
    const open = h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW');
    expect(open.map((o) => [o.clientOrderId, o.type, normalize(o.type === 'LIMIT_MAKER' ? o.price : o.stopPrice!)])).toEqual([
      [`skl-${listId.slice(4)}`, 'STOP_LOSS_LIMIT', newStop],
      [`tkl-${listId.slice(4)}`, 'LIMIT_MAKER', target],
    ]);
    const moved = (await h!.stopAlerts()).filter((a) => a.key === `stop-moved-${stop.id}-1`);
    expect(moved).toHaveLength(1);
    expect(stripTags(moved[0]!.text)).toContain('Target stays');
  });

  it('sl=atr inside a plan trails as a chandelier stop: a new high moves the list, the target kept', async () => {
    h = await startStopHarness<ProgrammaticFeed>({ sim: { balances: { USDT: '20000' } } });
    const { price } = loadHistory(h.sim.feed, 200);
    const card = await h.service.prepareBracket(
      { symbol: 'BTCUSDT', size: { kind: 'amount', amount: { kind: 'base', quantity: '0.1' } }, stop: { kind: 'atr', multiple: '2', interval: '1h' }, target: { kind: 'percent', percent: '20' } },
      TRADER,
    );
    await h.service.confirm(card.intentId, TRADER.userId);
    const stop = await eventually(() => h!.store.get(card.intentId), 'the plan to be adopted as a managed stop');
    const first = stop.stopPrice!;
    expect(stripTags(card.text)).toContain(`Stop: ${Number(first).toLocaleString('en-US', { minimumFractionDigits: 2 })} USDT`);
    expect(stop).toMatchObject({ kind: 'atr', atrMultiple: '2', interval: '1h', orders: 0, target: { listClientOrderId: `bkl-${card.intentId}` } });
    await h.streamReady();

    const close = (high: string, last: string) => evaluated(candle(h!.sim.feed, high, last));
    // The candle forming at arming closes where it was: the high stays the entry (a calmer ATR may lift the stop a little).
    await close(price, price);
    const quiet = (await h.store.get(stop.id))!;
    expect(lte(first, quiet.stopPrice!)).toBe(true);
    // A candle trading 6 % higher: the highest high rises by that much, the ATR far less.
    await close(at(price, '1.06'), at(price, '1.05'));

    const after = (await h.store.get(stop.id))!;
    expect(lt(quiet.stopPrice!, after.stopPrice!)).toBe(true);
    expect(lt(at(price, '1.02'), after.stopPrice!)).toBe(true);
    expect(after).toMatchObject({ basis: { kind: 'atr', multiple: '2', high: at(price, '1.06') }, target: { price: stop.target!.price, listClientOrderId: stopListId(card.intentId, after.orders) } });
    // Every move one DELETE orderList and one new OCO: never two lists.
    expect(h.requests('DELETE', LIST)).toBe(after.orders);
    const open = h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW');
    expect(open.map((o) => o.type).sort()).toEqual(['LIMIT_MAKER', 'STOP_LOSS_LIMIT']);
    expect(normalize(open.find((o) => o.type === 'STOP_LOSS_LIMIT')!.stopPrice!)).toBe(after.stopPrice);
  });

  it('the new list executes but its answer is lost (503 after execute): the move finds it by its id, one list, no second send', async () => {
    const { stop, price, intentId } = await fractalPlan();
    const { fractal } = await formFractalAbove(h!.sim.feed, price, evaluated, () => {
      h!.sim.control.faults.inject({ method: 'POST', path: OCO, action: 'error-503-after-execute' });
    });
    const listId = stopListId(intentId, 1);
    const after = await eventually(async () => {
      const s = await h!.store.get(stop.id);
      return s?.target?.listClientOrderId === listId ? s : undefined;
    }, 'the stop to hold the list found by its id');
    expect(after).toMatchObject({ status: 'active', stopPrice: normalize(floorToStep(fractal[3], '0.01')), orders: 1 });
    // The plan's list and the move's one: the lost answer was looked up, not sent again.
    expect(h!.sim.control.requests().filter((r) => r.method === 'POST' && r.path === OCO)).toHaveLength(2);
    const open = h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW');
    expect(open.map((o) => o.clientOrderId).sort()).toEqual([`skl-${listId.slice(4)}`, `tkl-${listId.slice(4)}`]);
  });

  it('the price falls through the stop between the cancel and the new list: sold at market, and the trader told', async () => {
    const { stop, price, intentId } = await fractalPlan();
    await formFractalAbove(h!.sim.feed, price, evaluated, () => {
      // The new list waits at the exchange (within the 1 s recvWindow) after the old one was
      // cancelled; meanwhile the market falls under the old stop.
      h!.sim.control.faults.inject({ method: 'POST', path: OCO, action: 'delay', delayMs: 600 });
      void eventually(() => (h!.sim.control.faults.pending().length === 0 ? true : undefined), 'the new list to reach the exchange').then(() =>
        h!.sim.feed.setPrice('BTCUSDT', at(stop.stopPrice!, '0.99')),
      );
    });
    const sell = await eventually(() => h!.sim.control.orders('BTCUSDT').find((o) => o.clientOrderId === `bsx-${intentId}-1`), 'the market sell');
    expect(sell).toMatchObject({ side: 'SELL', type: 'MARKET', status: 'FILLED' });
    expect(normalize(sell.executedQty)).toBe('0.0999');
    expect(await h!.store.get(stop.id)).toBeUndefined();
    expect(h!.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toEqual([]);
    const crossed = (await h!.stopAlerts()).filter((a) => a.key === `stop-crossed-${stop.id}-1`);
    expect(crossed).toHaveLength(1);
    expect(stripTags(crossed[0]!.text)).toContain('Sold at market');
    expect(lt(at(stop.stopPrice!, '0.99'), stop.stopPrice!)).toBe(true);
  });
});
