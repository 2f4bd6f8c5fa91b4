/**
 * Orders placed through the bot, end to end (real bot, order worker, alerts worker, fake Bot API,
 * the simulator's WebSocket API): a MARKET order's fill is shown on its card and not pushed again;
 * a resting LIMIT order that fills later arrives as one new message in the chat that placed it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTNER, startApp, type AppHarness } from '../support/app-harness.js';
import { eventually } from '../support/wait.js';
import { sleep } from '../support/wait.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

let app: AppHarness;

async function confirmedOrder(command: string) {
  await app.send(command);
  const card = app.lastMessage();
  const [confirm] = buttonsOf(card.reply_markup);
  await app.press(card.message_id, confirm!.callback_data);
  return card;
}

const idle = async () => {
  const d = await app.alertsQueue.depths();
  // Delayed jobs are the cards' expiry edits, waiting for their deadlines.
  return d.waiting === 0 && d.active === 0 ? true : undefined;
};

beforeAll(async () => {
  app = await startApp({ userStream: true });
});

afterAll(async () => {
  await app.close();
});

describe('fills of orders placed through the bot', () => {
  it('a MARKET order is reported on its card only', async () => {
    const card = await confirmedOrder('/buy BTCUSDT 0.001');
    await app.waitForText(card.message_id, /filled/i);
    await sleep(300);
    await expect.poll(idle, { message: 'the alerts queue to drain' }).toBeTruthy();
    const after = app.messages().filter((m) => m.message_id > card.message_id);
    expect(after.filter((m) => /Filled/.test(m.text ?? ''))).toEqual([]);
    expect(app.messages(PARTNER.id)).toEqual([]);
  });

  it('a LIMIT order that fills later arrives once, as a new message in the chat that placed it', async () => {
    const card = await confirmedOrder('/buy BTCUSDT 0.001 64000');
    await app.waitForText(card.message_id, /placed|open|resting/i);
    const before = app.messages().length;
    app.sim.feed.setPrice('BTCUSDT', '63990');
    const alert = await eventually(() => app.messages().slice(before).find((m) => /<b>Filled<\/b>/.test(m.text ?? '')), 'the fill alert');
    expect(alert.text).toContain('BUY 0.00100 BTC on <b>BTCUSDT</b>');
    expect(alert.text).toContain('Price: 64,000.00 USDT');
    expect(alert.text).not.toContain('outside the bot');
    await sleep(300);
    await expect.poll(idle, { message: 'the alerts queue to drain' }).toBeTruthy();
    expect(app.messages().slice(before).filter((m) => /Filled/.test(m.text ?? ''))).toHaveLength(1);
    expect(app.messages(PARTNER.id)).toEqual([]);
  });
});
