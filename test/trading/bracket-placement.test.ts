/**
 * Plans placed exactly once (DESIGN.md §4, §5b): the real bot on the fake Bot API, the order and
 * alerts workers, real Redis, the simulator's order lists over HTTP.
 *
 * - LIMIT entry → one POST /api/v3/orderList/otoco, the exits pending until the entry fills.
 * - MARKET entry → the order, then one POST /api/v3/orderList/oco for what it received (0.01 BTC
 *   less the 0.1 % commission the simulator takes in BTC).
 * - An exchange answer lost after the OCO executed → the job looks the list up by its id: one list.
 * - A refused OCO → the card says the position is unprotected, with [Retry protection] and
 *   [Sell now]; each does its work once, however often it is tapped.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stripTags } from '../../src/format.js';
import { startApp, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from '../bot/bot-assertions.js';
import { eventually } from './eventually.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('a plan on the exchange', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ sim: { balances: { USDT: '10000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.control.reset();
    app.sim.feed.setPrice('BTCUSDT', '65000');
  });
  afterEach(() => expectEveryCallAccepted(app));

  const posts = (path: string) => app.sim.control.requests().filter((r) => r.method === 'POST' && r.path === path && r.status === 200);
  const openLists = () => app.exchange.openOrderLists();

  async function confirmCard(command: string) {
    await app.send(command);
    const card = app.lastMessage();
    const confirm = buttonsOf(card.reply_markup).find((b) => b.text.includes('Confirm'));
    if (!confirm) throw new Error(`no card: ${card.text}`);
    await app.press(card.message_id, confirm.callback_data);
    return card.message_id;
  }

  it('a MARKET entry is protected by one OCO for the quantity received, in the same job', async () => {
    const id = await confirmCard('/buy BTCUSDT 0.01 sl=63000 tp=70000');
    const card = await app.waitForText(id, /Protected/);
    const text = stripTags(card.text!);
    expect(text).toMatch(/Filled: 0\.01000 BTC/);
    expect(text).toMatch(/🛡 Protected: OCO list \d+, stop 63,000\.00 USDT and target 70,000\.00 USDT for 0\.00999 BTC \(what the fill left after its fee\)\. Whichever fills first cancels the other\./);
    expect(posts('/api/v3/order')).toHaveLength(1);
    expect(posts('/api/v3/orderList/oco')).toHaveLength(1);
    const lists = await openLists();
    expect(lists).toHaveLength(1);
    expect(lists[0]!.listClientOrderId).toMatch(/^bkl-/);
    const legs = await app.exchange.openOrders('BTCUSDT');
    expect(legs.map((o) => [o.type, o.origQty, o.stopPrice ?? '', o.price]).sort()).toEqual([
      ['LIMIT_MAKER', '0.00999000', expect.anything(), '70000.00000000'],
      ['STOP_LOSS_LIMIT', '0.00999000', '63000.00000000', '62685.00000000'],
    ]);
  });

  it('a MARKET entry with a stop only is protected by one stop order, and the card does not speak of another leg', async () => {
    const id = await confirmCard('/buy BTCUSDT 0.01 sl=63000');
    const text = stripTags((await app.waitForText(id, /Protected/)).text!);
    expect(text).toMatch(/🛡 Protected: order \d+, stop 63,000\.00 USDT for 0\.00999 BTC \(what the fill left after its fee\)\.$/m);
    expect(text).not.toContain('cancels the other');
    expect(posts('/api/v3/orderList/oco')).toHaveLength(0);
    const legs = await app.exchange.openOrders('BTCUSDT');
    expect(legs.map((o) => [o.type, o.origQty, o.stopPrice])).toEqual([['STOP_LOSS_LIMIT', '0.00999000', '63000.00000000']]);
  });

  it('a LIMIT entry is one OTOCO list; its exits go on when the entry fills', async () => {
    const id = await confirmCard('/buy BTCUSDT 0.01 64000 sl=3% tp=5%');
    const card = await app.waitForText(id, /Exits waiting/);
    expect(stripTags(card.text!)).toMatch(/Exits waiting in order list \d+: stop 62,080\.00 USDT and target 67,200\.00 USDT for 0\.00999 BTC\. They go on as one OCO when the entry fills\./);
    expect(posts('/api/v3/orderList/otoco')).toHaveLength(1);
    expect(posts('/api/v3/order')).toHaveLength(0);
    await app.send('/stops');
    expect(stripTags(app.lastMessage().text!)).toMatch(/Plan exits \(1\)\nBTCUSDT · OCO list \d+ · 0\.00999 BTC\n {2}Stop 62,080\.00 \(limit 61,769\.60\) · Target 67,200\.00 · waits for the entry to fill/);
    app.sim.feed.setPrice('BTCUSDT', '63990');
    await eventually(async () => {
      const open = await app.exchange.openOrders('BTCUSDT');
      return open.length === 2 && open.every((o) => o.status === 'NEW' && o.side === 'SELL') ? open : undefined;
    }, 'the exits to go on after the entry filled');
    expect(await openLists()).toHaveLength(1);
    await app.send('/stops');
    const stops = stripTags(app.lastMessage().text!);
    expect(stops).toMatch(/Stop 62,080\.00 \(limit 61,769\.60\) · Target 67,200\.00\n/);
    expect(stops).not.toMatch(/waits for the entry/);
  });

  it('an OCO answer lost after it executed: the job finds the list by its id instead of placing another', async () => {
    app.sim.control.faults.inject({ method: 'POST', path: '/api/v3/orderList/oco', action: 'error-503-after-execute' });
    const id = await confirmCard('/buy BTCUSDT 0.01 sl=63000 tp=70000');
    await app.waitForText(id, /Protected/);
    expect(app.sim.control.requests().filter((r) => r.method === 'POST' && r.path === '/api/v3/orderList/oco')).toHaveLength(1);
    expect(await openLists()).toHaveLength(1);
  });

  it('a refused OCO: the card says the position is unprotected; Retry protection places it once', async () => {
    await app.send('/buy BTCUSDT 0.01 sl=63000 tp=66000');
    const card = app.lastMessage();
    // The market runs past the target before Confirm: a LIMIT_MAKER under the market is refused.
    app.sim.feed.setPrice('BTCUSDT', '66500');
    await app.press(card.message_id, buttonsOf(card.reply_markup)[0]!.callback_data);
    const refused = await app.waitForText(card.message_id, /unprotected/);
    expect(stripTags(refused.text!)).toMatch(/⚠️ The position is unprotected: the exits \(stop 63,000\.00 USDT and target 66,000\.00 USDT\) were not placed\./);
    const buttons = buttonsOf(refused.reply_markup);
    expect(buttons.map((b) => b.text)).toEqual(['🛡 Retry protection', '🔻 Sell now']);
    expect(await openLists()).toHaveLength(0);

    app.sim.feed.setPrice('BTCUSDT', '65000');
    const retry = buttons[0]!.callback_data;
    await app.press(card.message_id, retry);
    await app.press(card.message_id, retry); // a double tap
    await app.waitForText(card.message_id, /Protected: OCO list/);
    expect(await openLists()).toHaveLength(1);
    expect((await openLists())[0]!.listClientOrderId).toMatch(/^bkl-[A-Za-z0-9_-]+-1$/);
    const toasts = app.telegram!.calls().filter((c) => c.method === 'answerCallbackQuery').map((c) => c.payload.text);
    expect(toasts).toContain('This button was already used: the card shows what happened.');
  });

  it('Sell now sells what the entry bought, once', async () => {
    await app.send('/buy BTCUSDT 0.01 sl=63000 tp=66000');
    const card = app.lastMessage();
    app.sim.feed.setPrice('BTCUSDT', '66500');
    await app.press(card.message_id, buttonsOf(card.reply_markup)[0]!.callback_data);
    const refused = await app.waitForText(card.message_id, /unprotected/);
    const sell = buttonsOf(refused.reply_markup)[1]!.callback_data;
    await app.press(card.message_id, sell);
    await app.press(card.message_id, sell);
    const sold = await eventually(() => app.messages().find((m) => /SELL BTCUSDT/.test(m.text ?? '') && /Filled/.test(m.text ?? '')), 'the sell card to fill');
    expect(stripTags(sold.text!)).toMatch(/Filled: 0\.00999 BTC/);
    expect(posts('/api/v3/order')).toHaveLength(2);
  });
});
