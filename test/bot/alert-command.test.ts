/**
 * /alert through the real bot against the fake Bot API and the paper exchange: usage answers for
 * bad input, setting every kind, /alert list with an Off button per alert (edited in place), /alert
 * off ID|all, the ALERTS_PER_USER limit, and a fire delivered by the real alerts worker with its
 * [Chart] (the /fractals photo) and [Buy…] (a card through the normal confirmation path) buttons.
 * /alerts, the notification switches, keeps working beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPriceAlertService, type PriceAlertService } from '../../src/alerts/price-alert-service.js';
import { priceAlertFireButtons } from '../../src/bot/features/alert.js';
import { candleOpenTime } from '../../src/binance/kline-intervals.js';
import type { KlineRow } from '../../src/binance/types.js';
import { createLogger } from '../../src/logger.js';
import { fixtureRows } from '../support/klines.js';
import { eventually, PARTNER, startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

let app: AppHarness;
let service: PriceAlertService;

beforeAll(async () => {
  app = await startApp({ alertsPerUser: 6, ...(process.env.TEST_LOG ? { logger: createLogger({ level: 'warn' }) } : {}) });
  // Real 1h BTCUSDT candles, re-stamped to end at this hour, for the chart.
  const rows = fixtureRows('objects1h').slice(-150);
  const shift = candleOpenTime('1h', Date.now()) - (rows[rows.length - 1]![6] + 1);
  app.sim.feed.loadKlines('BTCUSDT', '1h', rows.map((r) => [r[0] + shift, r[1], r[2], r[3], r[4], r[5], r[6] + shift, r[7], r[8], r[9], r[10], r[11]] as KlineRow));
  service = createPriceAlertService({
    redis: app.redis,
    prefix: app.prefix,
    streamUrl: app.sim.streamUrl,
    exchange: app.exchange,
    alerts: app.alertsQueue,
    symbols: app.exchangeInfo,
    buttons: priceAlertFireButtons,
    logger: createLogger({ level: process.env.TEST_LOG ? 'debug' : 'silent' }),
    lease: { ttlMs: 1_500, renewEveryMs: 200 },
    stream: { backoff: { firstMs: 50, maxMs: 200 } },
    pollMs: 50,
    seenFlushMs: 50,
  });
  await service.start();
});

afterAll(async () => {
  await service.close();
  await app.close();
});

const reply = async (text: string, from = TRADER) => {
  await app.send(text, { from });
  return app.lastMessage(from.id).text ?? '';
};

describe('/alert', () => {
  it('answers bad input with the reason, the usage line and a fitting example', async () => {
    const cases: Array<[string, RegExp, RegExp]> = [
      ['/alert', /SYMBOL and a condition are missing/, /Example: \/alert BTCUSDT above 120000/],
      ['/alert BTCUSDT', /Say what to watch/, /Example: \/alert BTCUSDT above 120000/],
      ['/alert BTCUSDT above', /PRICE is missing after above/, /Example: \/alert BTCUSDT above 120000/],
      ['/alert BTCUSDT above 1,5', /has a comma/, /Usage: \/alert SYMBOL above\|below\|move/],
      ['/alert BTCUSDT move 5', /percentage, e\.g\. 5%/, /Example: \/alert BTCUSDT move 5% 1h/],
      ['/alert BTCUSDT move 5% 3y', /not a window/, /Example: \/alert BTCUSDT move 5% 1h/],
      ['/alert BTCUSDT rsi<150', /RSI runs from 0 to 100/, /Example: \/alert BTCUSDT rsi&lt;30 4h/],
      ['/alert BTCUSDT rsi 30', /with its side/, /Example: \/alert BTCUSDT rsi&lt;30 4h/],
      ['/alert BTCUSDT macd 7x', /not an interval/, /Usage:/],
      ['/alert BTCUSDT sideways 3', /"sideways" is not a condition/, /Usage:/],
      ['/alert off', /Say which alert to remove/, /Example: \/alert off 12/],
      ['/alert list now', /Too many arguments/, /Example: \/alert list/],
      ['/alert NOPEUSDT above 5', /does not list NOPEUSDT/, /.*/],
      // The price is 65,000: a level it is already past would ring at once.
      ['/alert BTCUSDT above 60000', /already at or above 60,000\.00 \(last 65,000\.00\)/, /Example:/],
    ];
    for (const [command, reason, usage] of cases) {
      const text = await reply(command);
      expect(text, command).toMatch(reason);
      expect(text, command).toMatch(usage);
    }
    expect(await app.deps.redis.exists(`${app.prefix}:pa:alerts`)).toBe(0);
  });

  it('sets every kind, lists them with an Off button each, removes one by button and the rest with off all', async () => {
    expect(await reply('/alert BTCUSDT above 70000')).toMatch(/Alert <b>#\d+<\/b> set: BTCUSDT above 70,000\.00 \(now 65,000\.00, \+7\.69% away\)\.\nIt rings once, then is removed\./);
    expect(await reply('/alert btc/usdt below 60000 repeat')).toMatch(/BTCUSDT below 60,000\.00 .*\nIt rings each time, re-arming once the price has moved back\./);
    expect(await reply('/alert BTCUSDT move 5% 15m')).toContain('BTCUSDT moves 5% within 15 min');
    expect(await reply('/alert BTCUSDT rsi<30 1h')).toContain('BTCUSDT RSI(14) 1h crosses under 30');
    expect(await reply('/alert ETHUSDT macd')).toContain('ETHUSDT MACD(12,26,9) 4h crosses its signal');

    await app.send('/alert list');
    const list = app.lastMessage();
    expect(list.text).toContain('<b>Your price alerts</b> (5 of 6)');
    expect(list.text).toMatch(/#\d+<\/b> BTCUSDT below 60,000\.00 · repeats/);
    const offs = buttonsOf(list.reply_markup).filter((b) => b.text.startsWith('✖️ Off #'));
    expect(offs).toHaveLength(5);
    expect(buttonsOf(list.reply_markup).at(-1)!.text).toBe('🔄 Refresh');

    // Someone else's press is refused and changes nothing.
    await app.press(list.message_id, offs[0]!.callback_data, { from: PARTNER });
    expect(app.telegram!.calls('answerCallbackQuery').at(-1)!.payload.text).toMatch(/someone else/);
    await app.press(list.message_id, offs[0]!.callback_data);
    const edited = await app.waitForText(list.message_id, /^Removed: /);
    expect(edited.text).toContain('(4 of 6)');
    expect(buttonsOf(edited.reply_markup).filter((b) => b.text.startsWith('✖️ Off #'))).toHaveLength(4);
    // A second press of the same button: already gone, said so.
    await app.press(list.message_id, offs[0]!.callback_data);
    expect(app.telegram!.calls('answerCallbackQuery').at(-1)!.payload.text).toMatch(/already gone/);

    expect(await reply('/alert off 999999')).toContain('You have no alert #999999');
    expect(await reply('/alert off all')).toBe('Removed your 4 price alerts.');
    expect(await reply('/alert list')).toContain('No price alerts.');
    // The other feature, /alerts, still answers with its menu.
    expect(await reply('/alerts')).toContain('Fills and order updates: <b>on</b>');
    expectEveryCallAccepted(app);
  });

  it('holds at most ALERTS_PER_USER per user', async () => {
    for (let i = 0; i < 6; i++) expect(await reply(`/alert BTCUSDT above ${70_000 + i}`)).toContain('set:');
    expect(await reply('/alert BTCUSDT above 80000')).toBe('You already have 6 price alerts, the most allowed (ALERTS_PER_USER 6). Remove some with /alert list first.');
    // The limit is per user.
    expect(await reply('/alert BTCUSDT above 80000', PARTNER)).toContain('set:');
    await reply('/alert off all');
    await reply('/alert off all', PARTNER);
  });

  it('fires once through the alerts worker, with [Chart] sending the chart and [Buy…] a confirmation card', async () => {
    expect(await reply('/alert BTCUSDT above 65500')).toContain('set:');
    // Watched live with the alert in the index: a trade after it was set has been evaluated (the
    // previous test's last alert going may have handed the symbol's lease and stream back meanwhile).
    const setAt = Date.now();
    await eventually(() => {
      const state = service.state();
      const seen = state.evaluated.BTCUSDT;
      if (state.alerts === 1 && state.live.includes('BTCUSDT') && state.stream.pending === 0 && seen !== undefined && seen.at >= setAt && Number(seen.price) === 65000) return true;
      app.sim.feed.setPrice('BTCUSDT', '65000');
      return undefined;
    }, 'BTCUSDT watched');
    app.sim.feed.setPrice('BTCUSDT', '65600.5');
    const alert = await eventually(() => app.messages().find((m) => m.text?.startsWith('🔔 <b>BTCUSDT</b> crossed above')), 'the alert message');
    expect(alert.text).toMatch(/crossed above <b>65,500\.00<\/b>\nTraded at <b>65,600\.50<\/b> · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\nAlert #\d+ · removed/);
    const [chart, buy] = buttonsOf(alert.reply_markup);
    expect([chart!.text, buy!.text]).toEqual(['📈 Chart', '🛒 Buy…']);
    app.sim.feed.setPrice('BTCUSDT', '66000');
    app.sim.feed.setPrice('BTCUSDT', '65000');
    app.sim.feed.setPrice('BTCUSDT', '66000');

    await app.press(alert.message_id, chart!.callback_data);
    const photo = await eventually(() => app.messages().find((m) => m.photo), 'the chart').catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(app.telegram!.calls().slice(-4))}`);
    });
    expect(photo.caption).toContain('BTCUSDT · 1h</b> · 100 closed candles');

    await app.press(alert.message_id, buy!.callback_data);
    const card = await eventually(() => app.messages().find((m) => m.text?.includes('BUY') && buttonsOf(m.reply_markup).some((b) => b.text === '✅ Confirm')), 'the buy card');
    expect(card.text).toContain('BTCUSDT');
    expect(app.orderPosts()).toHaveLength(0); // nothing before Confirm

    await new Promise((r) => setTimeout(r, 300));
    expect(app.messages().filter((m) => m.text?.startsWith('🔔 <b>BTCUSDT</b>'))).toHaveLength(1);
  });
});
