/**
 * /pause and /resume (DESIGN.md §2): a Confirm while paused is queued and the card says so; the
 * order leaves only on /resume, exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('pause and resume', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app.close());

  it('holds a confirmed order while paused and sends it once on /resume', async () => {
    await app.send('/pause');
    expect(app.lastMessage().text).toMatch(/^⏸ <b>Paused\.<\/b>/);
    await app.send('/pause');
    expect(app.lastMessage().text).toMatch(/^⏸ Automation was already paused\./);

    await app.send('/buy BTCUSDT 0.001');
    const card = app.lastMessage();
    const [confirm] = buttonsOf(card.reply_markup);
    await app.press(card.message_id, confirm!.callback_data);
    const answer = app.telegram!.calls('answerCallbackQuery').at(-1)!.payload.text;
    expect(answer).toBe('Confirmed. Automation is paused: the order leaves when you /resume.');
    expect(app.telegram!.message(TRADER.id, card.message_id)!.text).toMatch(/paused/i);

    const { orders } = await app.trading.queueDepths();
    expect(orders).toMatchObject({ waiting: 1, paused: true });
    expect(app.orderPosts()).toHaveLength(0);

    await app.send('/status');
    expect(app.lastMessage().text).toContain('Automation: ⏸ <b>paused</b> (/resume)');
    expect(app.lastMessage().text).toContain('Orders queue: 1 waiting, 0 active, 0 delayed, 0 failed · <b>paused</b>');

    await app.send('/resume');
    expect(app.lastMessage().text).toBe('▶️ <b>Resumed.</b> 1 confirmed order will be sent now.');
    await app.waitForText(card.message_id, /filled/i);
    expect(app.orderPosts()).toHaveLength(1);

    await app.send('/resume');
    expect(app.lastMessage().text).toBe('▶️ Automation is running; there is nothing to resume.');
    expectEveryCallAccepted(app);
  });
});
