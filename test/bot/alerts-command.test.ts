/**
 * /alerts end to end: the menu in the real bot against the fake Bot API, the setting stored in
 * Redis, and fills from the simulator's user data stream delivered by the real alerts worker —
 * with sound, silently (`disable_notification`) or not at all, per user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertSettings } from '../../src/alerts/alert-settings.js';
import { encodeCallback } from '../../src/bot/callback-data.js';
import { PARTNER, startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { simRequest } from '../support/simulator.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

let app: AppHarness;

/** A resting BUY placed outside the bot, then filled by moving the price through it. */
async function fillOutsideTheBot(price: string): Promise<number> {
  const res = await simRequest<{ orderId: number }>(app.sim, 'POST', '/api/v3/order', {
    symbol: 'BTCUSDT',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    price,
    quantity: '0.001',
  });
  expect(res.status).toBe(200);
  app.sim.feed.setPrice('BTCUSDT', String(Number(price) - 5));
  return res.body.orderId;
}

const fillMessages = (chatId: number, orderId: number) => app.messages(chatId).filter((m) => m.text?.includes(`Order ${orderId} `));
const sendCallsFor = (chatId: number, orderId: number) =>
  app.telegram!.calls('sendMessage').filter((c) => c.payload.chat_id === chatId && String(c.payload.text).includes(`Order ${orderId} `));

beforeAll(async () => {
  app = await startApp({ userStream: true });
});

afterAll(async () => {
  await app.close();
});

describe('/alerts', () => {
  it('shows a menu of every kind with its current mode', async () => {
    await app.send('/alerts');
    const menu = app.lastMessage();
    expect(menu.text).toContain('Fills and order updates: <b>on</b>');
    expect(menu.text).toContain('Stop moves: <b>on</b>');
    expect(menu.text).toContain('Order errors: <b>on</b>');
    expect(menu.text).toContain('System: <b>on</b>');
    const silentFills = buttonsOf(menu.reply_markup).find((b) => b.callback_data === encodeCallback({ kind: 'alert-setting', alert: 'fills', mode: 'silent', ownerId: TRADER.id }));
    expect(silentFills?.text).toBe('🔕 Silent');
    expect(buttonsOf(menu.reply_markup).filter((b) => b.text.startsWith('• '))).toHaveLength(4);
  });

  it('a press stores the choice, edits the same menu, and silent fills arrive with disable_notification', async () => {
    await app.send('/alerts');
    const menu = app.lastMessage();
    const count = app.messages().length;
    await app.press(menu.message_id, encodeCallback({ kind: 'alert-setting', alert: 'fills', mode: 'silent', ownerId: TRADER.id }));
    expect(app.messages()).toHaveLength(count);
    const edited = app.telegram!.message(TRADER.id, menu.message_id)!;
    expect(edited.text).toContain('Fills and order updates: <b>silent (no sound)</b>');
    expect(buttonsOf(edited.reply_markup).find((b) => b.text === '• 🔕 Silent')).toBeDefined();
    expect(app.telegram!.calls('answerCallbackQuery').at(-1)!.payload.text).toBe('Fills and order updates: silent (no sound)');
    expect(await createAlertSettings({ redis: app.redis, prefix: app.prefix }).get(TRADER.id)).toMatchObject({ fills: 'silent', stops: 'on' });

    const orderId = await fillOutsideTheBot('64000');
    await expect.poll(() => sendCallsFor(TRADER.id, orderId).length === 1 && sendCallsFor(PARTNER.id, orderId).length === 1, { message: 'both fill alerts' }).toBeTruthy();
    expect(sendCallsFor(TRADER.id, orderId)[0]!.payload.disable_notification).toBe(true);
    expect(sendCallsFor(PARTNER.id, orderId)[0]!.payload.disable_notification).toBeUndefined();
    expect(fillMessages(TRADER.id, orderId)[0]!.text).toContain('<b>Filled</b>');
  });

  it('off sends nothing to that user, while the others still hear about the fill', async () => {
    await app.send('/alerts');
    await app.press(app.lastMessage().message_id, encodeCallback({ kind: 'alert-setting', alert: 'fills', mode: 'off', ownerId: TRADER.id }));
    const orderId = await fillOutsideTheBot('63000');
    await expect.poll(() => sendCallsFor(PARTNER.id, orderId).length === 1, { message: "the partner's alert" }).toBeTruthy();
    // The alerts worker handles jobs in order of the queue; give the trader's job time to be skipped.
    await expect.poll(async () => (await app.alertsQueue.depths()).waiting === 0 && (await app.alertsQueue.depths()).active === 0, { message: 'an idle queue' }).toBeTruthy();
    expect(sendCallsFor(TRADER.id, orderId)).toHaveLength(0);
  });

  it('refuses a press on someone else’s menu and changes nothing', async () => {
    await app.send('/alerts');
    const menu = app.lastMessage();
    await app.press(menu.message_id, encodeCallback({ kind: 'alert-setting', alert: 'errors', mode: 'off', ownerId: TRADER.id }), { from: PARTNER, chatId: TRADER.id });
    expect(app.telegram!.calls('answerCallbackQuery').at(-1)!.payload).toMatchObject({ show_alert: true });
    expect(await createAlertSettings({ redis: app.redis, prefix: app.prefix }).get(TRADER.id)).toMatchObject({ errors: 'on' });
    expect(await createAlertSettings({ redis: app.redis, prefix: app.prefix }).get(PARTNER.id)).toMatchObject({ errors: 'on' });
    expectEveryCallAccepted(app);
  });
});
