/**
 * /buy and /sell end to end: the real bot on the fake Bot API, the trading service and both
 * workers on real Redis, the simulator over HTTP. Exactly one order per confirmed card, whatever
 * the taps, replays or foreign presses.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeCallback } from '../../src/bot/callback-data.js';
import { DESK_CHAT_ID, PARTNER, startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';
import { alertJobId } from '../../src/alerts/alerts-queue.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

function cardButtons(app: AppHarness, chatId?: number) {
  const card = app.lastMessage(chatId);
  const [confirm, cancel] = buttonsOf(card.reply_markup);
  if (!confirm || !cancel) throw new Error(`the last message has no card buttons: ${card.text}`);
  return { card, confirm: confirm.callback_data, cancel: cancel.callback_data };
}

function answersOf(app: AppHarness) {
  return app.telegram!.calls('answerCallbackQuery').map((c) => c.payload as { callback_query_id: string; text?: string });
}

describe('order cards', () => {
  let app: AppHarness;
  beforeAll(async () => {
    // A desk in a group (TELEGRAM_GROUPS=on): the group test below trades there.
    app = await startApp({ maxOrderValue: '2000', telegramGroups: true, sim: { balances: { USDT: '10000', BTC: '0.01' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.control.reset();
  });
  // The fake answers 400 to HTML Telegram would not parse and to text over 4096 characters:
  // no call of any test may have been refused.
  afterEach(() => expectEveryCallAccepted(app));

  it('/buy BTCUSDT 0.0012345 → a card at the step; Confirm → one order, the card edited to filled', async () => {
    await app.send('/buy BTCUSDT 0.0012345');
    const { card, confirm } = cardButtons(app);
    expect(card.text).toMatch(/Quantity: <b>0\.00123 BTC<\/b>/);
    expect(buttonsOf(card.reply_markup).map((b) => b.text)).toEqual(['✅ Confirm', '✖️ Cancel']);
    expect(decodeCallback(confirm)).toMatchObject({ ok: true, action: { kind: 'confirm-order' } });
    expect(app.orderPosts()).toHaveLength(0);

    await app.press(card.message_id, confirm);
    const filled = await app.waitForText(card.message_id, /filled/i);
    expect(app.orderPosts()).toHaveLength(1);
    const [order] = app.sim.control.orders('BTCUSDT');
    expect(order).toMatchObject({ side: 'BUY', type: 'MARKET', origQty: expect.stringMatching(/^0\.00123/), status: 'FILLED' });
    expect(filled.text).toContain('0.00123');
    expect(filled.text).toContain('65,000');
    expect(buttonsOf(filled.reply_markup)).toEqual([]);
    expect(answersOf(app)).toHaveLength(1);
  });

  it('a quote-sized buy estimates its cost from the quantity the step allows, and says so past 1 %', async () => {
    // 10 USDT at 65,000 is 0.000153… BTC: the exchange floors it to 0.00015 BTC, 9.75 USDT.
    await app.send('/buy BTCUSDT 10USDT');
    const { card, confirm } = cardButtons(app);
    expect(card.text).toContain('Spend: <b>10.00 USDT</b>');
    expect(card.text).toContain('Estimated cost: ≈ 9.75 USDT');
    expect(card.text).toContain('Estimated quantity: ≈ 0.00015 BTC');
    expect(card.text).toContain('Rounded down to the quantity step: 10.00 USDT buys 0.00015 BTC, about 9.75 USDT at the last price.');
    await app.press(card.message_id, confirm);
    const filled = await app.waitForText(card.message_id, /Filled/);
    expect(filled.text).toContain('= 9.75 USDT');
    // Within 1 %: no note.
    await app.send('/buy BTCUSDT 1000USDT');
    expect(cardButtons(app).card.text).not.toContain('Rounded down');
  });

  it('a double tap and a redelivered update still place exactly one order, and every press is answered once', async () => {
    await app.send('/buy BTCUSDT 100USDT');
    const { card, confirm } = cardButtons(app);
    const first = await app.press(card.message_id, confirm);
    await app.press(card.message_id, confirm);
    await app.deliver(first); // Telegram redelivering the same update
    await Promise.all([app.press(card.message_id, confirm), app.press(card.message_id, confirm)]);
    await app.waitForText(card.message_id, /filled/i);

    expect(app.orderPosts()).toHaveLength(1);
    const answers = answersOf(app);
    expect(answers).toHaveLength(5);
    expect(new Set(answers.map((a) => a.callback_query_id)).size).toBe(4); // the redelivery reuses its query id
    expect(answers.slice(1).every((a) => a.text === 'This order was already confirmed.')).toBe(true);
  });

  it('Cancel dismisses the card: no order, and Confirm afterwards is refused', async () => {
    await app.send('/sell BTCUSDT 50%');
    const { card, confirm, cancel } = cardButtons(app);
    await app.press(card.message_id, cancel);
    expect(app.telegram!.message(TRADER.id, card.message_id)?.text).toMatch(/cancel/i);
    await app.press(card.message_id, confirm);
    expect(answersOf(app).map((a) => a.text)).toEqual(['Cancelled: nothing was sent.', 'This order was cancelled.']);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it("refuses another user's card in a group, and lets its owner confirm it", async () => {
    await app.send('/buy BTCUSDT 0.001', { chatId: DESK_CHAT_ID });
    const { card, confirm } = cardButtons(app, DESK_CHAT_ID);
    await app.press(card.message_id, confirm, { from: PARTNER, chatId: DESK_CHAT_ID });
    expect(answersOf(app).at(-1)?.text).toBe('This button belongs to someone else.');
    expect(app.orderPosts()).toHaveLength(0);

    await app.press(card.message_id, confirm, { from: TRADER, chatId: DESK_CHAT_ID });
    await app.waitForText(card.message_id, /filled/i, DESK_CHAT_ID);
    expect(app.orderPosts()).toHaveLength(1);
  });

  it.each([
    ['below the minimum notional', '/buy BTCUSDT 0.00001', /minimum|at least|too small/i],
    ['more than the balance', '/sell BTCUSDT 0.02', /balance|enough/i],
    ['over MAX_ORDER_VALUE', '/buy BTCUSDT 3000USDT', /limit of 2,000\.00 USDT per order \(MAX_ORDER_VALUE\)/],
    ['an unknown symbol', '/buy BTCUSTD 0.001', /does not list BTCUSTD\. Did you mean BTCUSDT/],
    ['an exponent', '/buy BTCUSDT 1e-3', /exponent[\s\S]*Usage: \/buy SYMBOL AMOUNT \[PRICE\] \[sl=STOP\] \[tp=TARGET\]\nExample: \/buy BTCUSDT 100USDT/],
    ['HTML in the symbol', '/buy <b>BTC</b> 1', /&lt;B&gt;BTC&lt;\/B&gt;|&lt;b&gt;BTC&lt;\/b&gt;/],
  ])('%s gets a plain sentence, no card and no order', async (_, command, reason) => {
    await app.send(command);
    const reply = app.lastMessage();
    expect(reply.text).toMatch(reason);
    expect(buttonsOf(reply.reply_markup)).toEqual([]);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('a sell that finds the coins locked in a limit order names it and how to free it', async () => {
    const resting = await app.exchange.newOrder({ symbol: 'BTCUSDT', side: 'SELL', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '90000', newOrderRespType: 'FULL' });
    try {
      await app.send('/sell BTCUSDT all');
      expect(app.lastMessage().text).toBe(`There is no free BTC to sell. 0.01000 BTC is locked in limit order ${resting.orderId} on BTCUSDT: /cancel ${resting.orderId} frees it.`);
      expect(app.orderPosts()).toHaveLength(1); // the resting order itself
    } finally {
      await app.exchange.cancelOrder({ symbol: 'BTCUSDT', orderId: resting.orderId });
    }
  });

  it('an expired card is refused with the reason and loses its buttons', async () => {
    const shortLived = await startApp({ confirmTtlS: 5, workers: false });
    try {
      await shortLived.send('/buy BTCUSDT 0.001');
      const { card, confirm } = cardButtons(shortLived);
      // Redis expiring the intent's key is what "expired" means, whether the bot was up or down.
      const key = `${shortLived.prefix}:intent:${decodeCallbackIntent(confirm)}`;
      expect(await shortLived.redis.exists(key)).toBe(1);
      await shortLived.redis.pexpire(key, 1);
      await expect.poll(async () => (await shortLived.redis.exists(key)) === 0, { message: 'the intent to expire' }).toBeTruthy();
      await shortLived.press(card.message_id, confirm);
      expect(answersOf(shortLived).at(-1)?.text).toBe('This confirmation has expired. Send the command again.');
      expect(buttonsOf(shortLived.telegram!.message(TRADER.id, card.message_id)?.reply_markup)).toEqual([]);
      expect(shortLived.orderPosts()).toHaveLength(0);
    } finally {
      await shortLived.close();
    }
  });

  it('a card nobody answers is edited at its deadline: marked expired, no buttons; answered cards are left alone', async () => {
    const shortLived = await startApp({ confirmTtlS: 5 });
    try {
      await shortLived.send('/buy BTCUSDT 0.001');
      const confirmed = cardButtons(shortLived);
      await shortLived.send('/sell BTCUSDT 0.001');
      const dismissed = cardButtons(shortLived);
      await shortLived.send('/buy BTCUSDT 0.002');
      const ignored = cardButtons(shortLived);
      await shortLived.press(confirmed.card.message_id, confirmed.confirm);
      await shortLived.press(dismissed.card.message_id, dismissed.cancel);
      await shortLived.waitForText(confirmed.card.message_id, /Filled/);
      // A decided card's expiry edit is withdrawn at once; the unanswered card's waits for its deadline.
      const expiryJob = (confirm: string) => shortLived.alertsQueue.queue.getJob(alertJobId(`expire-card-${decodeCallbackIntent(confirm)}`));
      await expect.poll(async () => (await expiryJob(confirmed.confirm)) === undefined && (await expiryJob(dismissed.confirm)) === undefined).toBe(true);
      expect(await (await expiryJob(ignored.confirm))?.isDelayed()).toBe(true);

      const expired = await shortLived.waitForText(ignored.card.message_id, /Expired/);
      expect(expired.text).toContain('⌛ Expired. Nothing was sent; send the command again.');
      expect(expired.text).not.toContain('Confirm within');
      expect(buttonsOf(expired.reply_markup)).toEqual([]);
      // The answered cards' own expiry edits were due too, and were dropped.
      await expect.poll(async () => (await shortLived.alertsQueue.queue.getDelayedCount()) === 0, { message: 'the expiry edits to be due' }).toBeTruthy();
      await expect.poll(async () => (await shortLived.alertsQueue.queue.getActiveCount()) === 0, { message: 'the expiry edits to be handled' }).toBeTruthy();
      expect(shortLived.telegram!.message(TRADER.id, confirmed.card.message_id)?.text).toMatch(/Filled/);
      expect(shortLived.telegram!.message(TRADER.id, dismissed.card.message_id)?.text).toMatch(/Cancelled/);
      expect(shortLived.orderPosts()).toHaveLength(1);
      expectEveryCallAccepted(shortLived);
    } finally {
      await shortLived.close();
    }
  });
});

function decodeCallbackIntent(data: string): string {
  const decoded = decodeCallback(data);
  if (!decoded.ok || decoded.action.kind !== 'confirm-order') throw new Error(`not a confirm button: ${data}`);
  return decoded.action.intentId;
}
