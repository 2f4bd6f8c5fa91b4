/**
 * The card's whole life over real sockets: the bot sends it (grammY Api against the fake Bot
 * API), Confirm, the order worker places the order at the simulator, and the alerts worker edits
 * the same Telegram message to the fill.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertsApi, createAlertsWorker, type AlertsWorker } from '../../src/alerts/alerts-worker.js';
import { createLogger } from '../../src/logger.js';
import { startFakeBotApi, type FakeBotApi } from '../support/fake-bot-api.js';
import { eventually } from '../support/wait.js';
import { startHarness, TRADER, type Harness } from './pipeline-harness.js';

let h: Harness | undefined;
let fake: FakeBotApi | undefined;
let alerts: AlertsWorker | undefined;
afterEach(async () => {
  await alerts?.close();
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
  alerts = undefined;
});

describe('card delivery', () => {
  it('edits the card message in place from pending to filled, buttons removed', async () => {
    h = await startHarness();
    fake = await startFakeBotApi();
    const api = createAlertsApi({ token: fake.token, apiRoot: fake.apiRoot });
    alerts = createAlertsWorker({ connection: h.workerConnection, redis: h.producer, api, logger: createLogger({ level: 'silent' }), prefix: h.prefix });
    h.startWorker();

    const card = await h.service.prepareOrder({ symbol: 'BTCUSDT', side: 'BUY', amount: { kind: 'quote', quoteQty: '100' } }, TRADER);
    const sent = await api.sendMessage(TRADER.chatId, card.text, {
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Confirm', callback_data: card.confirmData }, { text: 'Cancel', callback_data: card.cancelData }]] },
    });
    await h.service.attachCard(card.intentId, sent.message_id);
    await h.service.confirm(card.intentId, TRADER.userId);

    const message = await eventually(() => {
      const m = fake!.message(TRADER.chatId, sent.message_id);
      return m?.text?.includes('Filled') ? m : undefined;
    }, 'the card to show the fill');
    expect(message.text).toContain('✅ Filled:');
    // quoteOrderQty buys what 100 USDT buys on the step grid at the ask (one tick over the last
    // price on the paper exchange's modelled book): 0.00153 BTC for 99.45 USDT.
    expect(message.text).toContain('✅ Filled: <b>0.00153 BTC</b> at avg <b>65,000.01 USDT</b> = 99.45 USDT');
    expect(message.reply_markup).toBeUndefined();
    expect(fake.messages(TRADER.chatId)).toHaveLength(1);
    expect(h.sim.control.orders('BTCUSDT')).toHaveLength(1);
  });
});
