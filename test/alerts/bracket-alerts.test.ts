/**
 * A plan's exit fills (DESIGN.md §5b "the alert names which leg filled and the result against the
 * entry"): the user data stream of the simulator, the real alerts pipeline, the fake Bot API.
 * The stop fills below its trigger, so the result is a little worse than −1R; the other leg's
 * expiry is told as the one-cancels-other it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripTags } from '../../src/format.js';
import { startApp, type AppHarness } from '../support/app-harness.js';
import { eventually } from '../trading/eventually.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('alerts of a plan', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ userStream: true, sim: { balances: { USDT: '10000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
  });
  afterAll(() => app.close());

  it('the stop leg filling says so, with the result in money and in R; the target is withdrawn', async () => {
    await app.send('/buy BTCUSDT 0.01 sl=63000 tp=70000');
    const card = app.lastMessage();
    await app.press(card.message_id, buttonsOf(card.reply_markup)[0]!.callback_data);
    await app.waitForText(card.message_id, /Protected/);
    app.sim.feed.setPrice('BTCUSDT', '62900');
    const texts = () => app.messages().map((m) => stripTags(m.text ?? ''));
    const fill = await eventually(() => texts().find((t) => t.startsWith('🛑 Stop filled')), 'the stop fill alert');
    // Entry 65,000 (the simulator's market fill, a cent of slippage), stop 63,000: 1R = 2,000 per BTC; the stop sold at 63,000.
    expect(fill).toMatch(/🛑 Stop filled \(the target is cancelled\): SELL 0\.00999 BTC on BTCUSDT/);
    expect(fill).toMatch(/Result against entry 65,000\.\d\d: −19\.98 USDT \(−3\.08%, −1\.00R\) at average 63,000\.00/);
    const withdrawn = await eventually(() => texts().find((t) => t.includes('Target withdrawn')), 'the target leg told as withdrawn');
    expect(withdrawn).toMatch(/Target withdrawn on BTCUSDT: the stop filled, and one cancels the other\./);
    expect(texts().some((t) => t.startsWith('⌛ Expired'))).toBe(false);
  });
});
