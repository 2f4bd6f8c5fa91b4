/**
 * /tp SYMBOL TARGET [AMOUNT] (DESIGN.md §2, §5b) through the real bot and the simulator: each
 * TARGET form gets a card, a plain take-profit (no managed stop) is a LIMIT_MAKER for the free
 * balance that the pipeline places as any card, and every refusal is a plain sentence with no
 * card. /tp on a managed stop (one OCO replacing the stop) is test/trading/stop-list.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stripTags } from '../../src/format.js';
import { startApp, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

async function reply(app: AppHarness, command: string) {
  await app.send(command);
  const message = app.lastMessage();
  return { message, text: stripTags(message.text ?? ''), buttons: buttonsOf(message.reply_markup) };
}

describe('/tp', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ sim: { balances: { USDT: '10000', BTC: '0.5' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    expectEveryCallAccepted(app);
    app.telegram!.reset();
    app.sim.feed.setPrice('BTCUSDT', '65000');
  });

  it('a price target without a managed stop: a LIMIT_MAKER sell of the free balance, placed on Confirm', async () => {
    const { message, text, buttons } = await reply(app, '/tp BTCUSDT 70000');
    expect(buttons.map((b) => b.text)).toEqual(['✅ Confirm', '✖️ Cancel']);
    expect(text).toContain('SELL BTCUSDT · LIMIT_MAKER');
    expect(text).toContain('Quantity: 0.50000 BTC');
    expect(text).toContain('Limit price: 70,000.00 USDT');
    expect(text).not.toContain('managed stop');
    await app.press(message.message_id, buttons[0]!.callback_data);
    await app.waitForText(message.message_id, /Placed: order/);
    const order = app.sim.control.orders('BTCUSDT').at(-1)!;
    expect(order).toMatchObject({ side: 'SELL', type: 'LIMIT_MAKER', status: 'NEW', price: '70000.00000000' });
    await app.exchange.cancelOpenOrders('BTCUSDT');
  });

  it('N% above the entry (no stop: the last price), with an AMOUNT', async () => {
    const { text } = await reply(app, '/tp BTCUSDT 5% 0.1');
    expect(text).toContain('Quantity: 0.10000 BTC');
    expect(text).toContain('Limit price: 68,250.00 USDT');
  });

  it('tp=5% is read like /buy\'s option', async () => {
    const { text } = await reply(app, '/tp BTCUSDT tp=5%');
    expect(text).toContain('Limit price: 68,250.00 USDT');
  });

  it.each([
    ['a target below the price', '/tp BTCUSDT 64000', /The target at 64,000\.00 USDT is not above the last price of 65,000\.00 USDT: a take-profit sells higher than the market/],
    ['a target at the price', '/tp BTCUSDT 65000', /is not above the last price of 65,000\.00 USDT/],
    ['no position', '/tp ETHUSDT 4000', /You hold no free ETH and no managed stop on ETHUSDT: there is no position to take profit on\./],
    ['a multiple of the risk without a stop', '/tp BTCUSDT 2R', /A target in R is a multiple of the risk, entry − stop: BTCUSDT has no managed stop below its entry/],
    ['no target', '/tp BTCUSDT', /Usage: \/tp SYMBOL TARGET \[AMOUNT\]\nExample: \/tp BTCUSDT 70000/],
    ['a target that is no target', '/tp BTCUSDT high', /is not a target: use a price \(tp=70000\), a percentage \(tp=5%\) or a multiple of the risk \(tp=2R\)\.\nUsage: \/tp SYMBOL TARGET \[AMOUNT\]/],
    ['an amount in the quote', '/tp BTCUSDT 70000 100USDT', /A take-profit sells a quantity of BTC: give AMOUNT as 0\.5, all or 50%, not "100USDT"\./],
    ['too many arguments', '/tp BTCUSDT 70000 0.1 extra', /Too many arguments: "extra" is not expected\./],
    ['an unknown symbol', '/tp NOPEUSDT 70000', /NOPEUSDT/],
  ])('%s: no card', async (_what, command, reason) => {
    const { text, buttons } = await reply(app, command);
    expect(text).toMatch(reason);
    expect(buttons).toEqual([]);
  });
});
