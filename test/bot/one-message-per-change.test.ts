/**
 * Each order that changes gets exactly one message, whoever caused the change,
 * and the views a phone keeps on screen refresh in place (item 11). The real bot on the fake Bot
 * API, the user data stream on the simulator's WebSocket API, real Redis and workers.
 *
 * Before: a Cancel under /orders sent a reply and then the stream's "Cancelled" push; `/cancel all`
 * pushed for some orders and not others, depending on which won the race with the answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/binance/types.js';
import { PARTNER, startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

let app: AppHarness;
beforeAll(async () => {
  app = await startApp({ userStream: true, sim: { balances: { USDT: '10000', BTC: '0.5' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
});
afterAll(() => app.close());
beforeEach(() => app.fresh());

/** A resting order placed outside the bot: its events go to every allowed user. */
const outside = (price: string): Promise<Order> =>
  app.exchange.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price, newOrderRespType: 'FULL' });

const pushesAbout = (orderId: number) =>
  [...app.messages(TRADER.id), ...app.messages(PARTNER.id)].filter((m) => /Cancelled<\/b>/.test(m.text ?? '') && m.text!.includes(`Order ${orderId} `));

describe('one message per order change', () => {
  it('a Cancel under /orders, a /cancel ID and a confirmed /cancel SYMBOL are answered in place, never pushed again', async () => {
    const [a, b, c, d] = [await outside('60000'), await outside('60100'), await outside('60200'), await outside('60300')];
    await app.send('/orders BTCUSDT');
    const list = app.lastMessage();
    const cancelA = buttonsOf(list.reply_markup).find((x) => x.text.includes(`#${a.orderId}`))!;
    await app.press(list.message_id, cancelA.callback_data);
    await app.send(`/cancel ${b.orderId}`);
    await app.send('/cancel BTCUSDT');
    const ask = app.lastMessage();
    await app.press(ask.message_id, buttonsOf(ask.reply_markup)[0]!.callback_data);
    await app.waitForText(ask.message_id, /Cancelled 2 of 2 orders/);

    // A cancel made outside the bot is still pushed: it is the one message about that order. The
    // stream delivers events in order, so once it is here the earlier cancels have been handled.
    const e = await outside('60400');
    await app.exchange.cancelOrder({ symbol: 'BTCUSDT', orderId: e.orderId });
    await expect.poll(() => pushesAbout(e.orderId).length === 2, { message: 'the push about the outside cancel' }).toBeTruthy();

    for (const order of [a, b, c, d]) expect(pushesAbout(order.orderId), `order ${order.orderId}`).toEqual([]);
    for (const chat of [TRADER.id, PARTNER.id]) {
      expect(app.messages(chat).filter((m) => /Cancelled<\/b>/.test(m.text ?? '') && m.text!.includes(`Order ${e.orderId} `)), `chat ${chat}`).toHaveLength(1);
    }
    // The trader's own chat: the list (edited), the /cancel answer, the confirmation (edited), the two pushes' share.
    expect(app.telegram!.message(TRADER.id, list.message_id)!.text).toContain(`Cancelled order <code>${a.orderId}</code>`);
    expectEveryCallAccepted(app);
  });
});

describe('Refresh', () => {
  it('/price reads again and edits in place', async () => {
    await app.send('/price BTCUSDT');
    const reply = app.lastMessage();
    expect(reply.text).toContain('<b>BTCUSDT</b> 65,000.00 USDT');
    const [refresh] = buttonsOf(reply.reply_markup);
    expect(refresh?.text).toBe('🔄 Refresh');
    app.sim.feed.setPrice('BTCUSDT', '65500');
    await app.press(reply.message_id, refresh!.callback_data);
    expect(app.telegram!.message(TRADER.id, reply.message_id)!.text).toContain('<b>BTCUSDT</b> 65,500.00 USDT');
    expect(app.lastMessage().message_id).toBe(reply.message_id);
    app.sim.feed.setPrice('BTCUSDT', '65000');
    expectEveryCallAccepted(app);
  });

  it('/status reads again and edits in place, keeping its button', async () => {
    await app.send('/status');
    const reply = app.lastMessage();
    const before = reply.text;
    const [refresh] = buttonsOf(reply.reply_markup);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a new "Updated" second: the edit is not a no-op
    await app.press(reply.message_id, refresh!.callback_data);
    const edited = app.telegram!.message(TRADER.id, reply.message_id)!;
    expect(edited.text).toMatch(/^<b>Status<\/b>/);
    expect(edited.text).not.toBe(before);
    expect(buttonsOf(edited.reply_markup).map((x) => x.text)).toEqual(['🔄 Refresh']);
    const answers = app.telegram!.calls('answerCallbackQuery').map((call) => (call.payload as { text?: string }).text);
    expect(answers).toEqual(['Updated.']);
    expectEveryCallAccepted(app);
  });
});
