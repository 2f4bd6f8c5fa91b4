/**
 * /price through the real bot: the symbol's trading rules under the
 * price, every accepted spelling of the symbol, and "did you mean" for a near miss.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageUpdate, validateTelegramHtml } from '../support/fake-bot-api.js';
import { startMarketBot, TICKER_ROUTE, type MarketBot } from './market-bot-harness.js';

const TRADER = { id: 6161, first_name: 'Cy' };

let m: MarketBot;
beforeEach(async () => {
  m = await startMarketBot({ allowedUsers: [TRADER.id] });
});
afterEach(async () => {
  await m.close();
});

async function ask(text: string): Promise<string> {
  await m.handle(messageUpdate({ from: TRADER, text }));
  const sent = m.api.messages(TRADER.id);
  return sent[sent.length - 1]!.text!;
}

describe('/price with trading rules', () => {
  it('shows last, change, range, average and the rules an order must meet, for every spelling', async () => {
    for (const spelling of ['btcusdt', 'BTC/USDT', 'BTC-USDT', 'BTCUSDT']) {
      const text = await ask(`/price ${spelling}`);
      const lines = text.split('\n');
      expect(lines[0]).toBe('<b>BTCUSDT</b> 69,010.01 USDT');
      expect(lines[1]).toBe('24h change: <b>+1.25%</b> (+854.02 USDT)');
      expect(text).toContain('Rules: tick 0.01 · step 0.00001 BTC · min qty 0.00001 BTC · min order 5 USDT');
      expect(validateTelegramHtml(text)).toBeUndefined();
    }
    expect(m.stub.requestsTo(TICKER_ROUTE).map((r) => r.params.get('symbol'))).toEqual(['BTCUSDT', 'BTCUSDT', 'BTCUSDT', 'BTCUSDT']);
  });

  it('answers a near miss with "did you mean"', async () => {
    expect(await ask('/price BTCUSD')).toMatch(/^The exchange does not list BTCUSD\. Did you mean BTCUSDT(, \w+)*\?$/);
    expect(await ask('/price ETHUSTD')).toMatch(/Did you mean ETHUSDT/);
  });
});
