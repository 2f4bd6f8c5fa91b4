import { it } from 'vitest';
import { startApp } from '../support/app-harness.js';
it('transcript', async () => {
  const app = await startApp({ maxOrderQuote: '2000', sim: { balances: { USDT: '10000', BTC: '0.01', ETH: '0.0001', BNB: '0' } } });
  try {
    for (const cmd of ['/start', '/help buy', '/balance', '/price btc/usdt', '/buy BTCUSDT 0.0012345', '/sell BTCUSDT 0.001 70000', '/sell BTCUSDT 0.001 71000', '/orders', '/status', '/cancel BTCUSDT', '/BUY', '/foo', 'hello', '/buy', '/buy BTCUSDT 0,5']) {
      await app.send(cmd);
      const m = app.lastMessage();
      console.log(`>>> ${cmd}\n${m.text}\n${JSON.stringify(m.reply_markup ?? null)}\n`);
    }
    const card = app.messages().find((m) => /Confirm order/.test(m.text ?? ''))!;
    const data = (card.reply_markup as any).inline_keyboard[0][0].callback_data;
    await app.press(card.message_id, data);
    console.log('after confirm:', app.telegram!.message(1001, card.message_id)!.text);
    const filled = await app.waitForText(card.message_id, /filled/i);
    console.log('filled:', filled.text);
    console.log(app.telegram!.calls().filter(c=>c.status!=='ok'));
  } finally { await app.close(); }
});
