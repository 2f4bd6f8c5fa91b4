/**
 * A hand-computed P&L example, end to end: orders confirmed through the real bot, filled
 * by the paper exchange (0.1 % fees; in BNB at 25 % off where BNB has a price in the pair's quote;
 * a buy pays the ask, one tick above the last price), fills stored from the user data stream,
 * then /pnl, /positions and /trades read back.
 *
 * Last prices: BNBUSDT 500, BTCUSDT 60,000 (65,000 for the last sell), ETHBTC 0.05 then 0.055,
 * ETHUSDT 3,300. Exact fractions where a division does not end.
 *
 * 1. BUY 1 BNB @ 500.1, fee 0.001 BNB (in the base): +0.999 BNB at 500.1.
 * 2. BUY 0.1 BTC @ 60,000.01 = 6,000.001; fee in BNB 6,000.001 × 0.00075 / 500 = 0.009 BNB (to
 *    8 decimals), worth 4.5: +0.1 BTC at 6,004.501. BNB out 0.009: cost 0.009 × 500.1 / 0.999
 *    = 4.5054054…, proceeds 4.5 → BNB −0.0054054… (= −1/185).
 * 3. BUY 1 ETH @ 0.05001 BTC on ETHBTC, BTC valued at 60,000: fee 0.001 ETH (in the base):
 *    +0.999 ETH at 3,000.6. BTC out 0.05001: cost 0.5001 × 6,004.501 = 3,002.8509501, proceeds
 *    3,000.6 → BTC −2.2509501.
 * 4. SELL 0.4 of the 0.999 ETH @ 0.055 (a partial sell), fee 0.000022 BTC (in the quote):
 *    proceeds 0.021978 × 60,000 = 1,318.68, cost 0.4 × 3,000.6 / 0.999 = 1,201.4414414… →
 *    ETH +117.2385585… (= 325337/2775). +0.021978 BTC at 1,318.68.
 * 5. SELL 0.05 BTC @ 65,000, fee in BNB 3,250 × 0.00075 / 500 = 0.004875 BNB (2.4375): proceeds
 *    3,247.5625, cost 0.05 × (2,999.2496 + 1,318.68 − 0.0000499) / 0.071968 … → BTC +245.9992705…;
 *    BNB out 0.004875 at 500.1 / 0.999 → BNB −0.0029279…
 *
 * Realized: BNB −0.0083333…, BTC +243.7483204…, ETH +117.2385585…: 360.9785457… (360.98 USDT).
 * Held: BTC 0.021968 (entry 60,031.26, +109.15 at 65,000), ETH 0.599 (entry 3,003.60, +177.54 at
 * 3,300), BNB 0.985125 (entry 500.60, −0.59 at 500): unrealized 286.10 USDT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFixed } from '../../src/decimal.js';
import { eventually, startApp, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from '../bot/bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

async function trade(app: AppHarness, command: string, until = /Filled/): Promise<void> {
  await app.send(command);
  const card = app.lastMessage();
  const [confirm] = buttonsOf(card.reply_markup);
  if (!confirm) throw new Error(`no card for ${command}: ${card.text}`);
  await app.press(card.message_id, confirm.callback_data);
  await app.waitForText(card.message_id, until);
}

describe('the hand-computed P&L example', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({
      userStream: true,
      ledger: true,
      sim: {
        balances: { USDT: '10000' },
        prices: { BNBUSDT: '500', BTCUSDT: '60000', ETHBTC: '0.05', ETHUSDT: '3300' },
        options: { commissionRate: '0.001', bnbFeeDiscount: '0.25' },
      },
    });
    // A first tick opens each pair's 1m candle (the ledger values quotes and fees by it).
    for (const [symbol, price] of Object.entries({ BNBUSDT: '500', BTCUSDT: '60000', ETHBTC: '0.05', ETHUSDT: '3300' })) app.sim.feed.setPrice(symbol, price);
    await trade(app, '/buy BNBUSDT 1');
    await trade(app, '/buy BTCUSDT 0.1');
    await trade(app, '/buy ETHBTC 1');
    app.sim.feed.setPrice('ETHBTC', '0.055');
    await trade(app, '/sell ETHBTC 0.4');
    await eventually(async () => ((await app.ledger!.store.count()) === 4 ? true : undefined), 'four fills in the ledger');
    // A limit sell that fills when the price reaches it: at its price (a market sell right after a
    // jump would meet the wider spread of the jump's candle).
    await trade(app, '/sell BTCUSDT 0.05 65000', /placed|Resting|open/i);
    app.sim.feed.setPrice('BTCUSDT', '65000');
    await eventually(async () => ((await app.ledger!.store.count()) === 5 ? true : undefined), 'five fills in the ledger');
  }, 60_000);
  afterAll(() => app?.close());

  it('the exchange charged the fees the example assumes', async () => {
    const fills = await app.ledger!.reader.fills({});
    expect(fills.map((f) => `${f.side} ${f.qty} ${f.symbol} @ ${f.price} fee ${f.commission} ${f.commissionAsset}`).reverse()).toEqual([
      'BUY 1 BNBUSDT @ 500.1 fee 0.001 BNB',
      'BUY 0.1 BTCUSDT @ 60000.01 fee 0.009 BNB',
      'BUY 1 ETHBTC @ 0.05001 fee 0.001 ETH',
      'SELL 0.4 ETHBTC @ 0.055 fee 0.000022 BTC',
      'SELL 0.05 BTCUSDT @ 65000 fee 0.004875 BNB',
    ]);
  });

  it('the ledger matches the hand computation to the last decimal', async () => {
    const reader = app.ledger!.reader;
    const all = await reader.realized(0, Date.now() + 1);
    // Divisions keep 18 decimals: the exact fractions agree to far more than the 10 compared here.
    expect(formatFixed(all.realized, 10)).toBe('360.9785457038');
    expect(all.trades).toBe(5);
    expect(all.unknownBasis).toBe(false);
    expect(Object.fromEntries((all.byAsset ?? []).map((r) => [r.asset, formatFixed(r.realized, 10)]))).toEqual({
      BNB: '-0.0083333333',
      BTC: '243.7483204786',
      ETH: '117.2385585586',
    });
    const positions = await reader.positions();
    expect(positions.map((p) => [p.asset, p.knownQuantity, formatFixed(p.averageEntry!, 10)])).toEqual([
      ['BNB', '0.985125', '500.6006006006'],
      ['BTC', '0.021968', '60031.2645884282'],
      ['ETH', '0.599', '3003.6036036036'],
    ]);
    const sells = (await reader.fills({})).filter((f) => f.side === 'SELL');
    expect(sells.map((f) => [f.symbol, formatFixed(f.realizedPnl!, 10)])).toEqual([
      ['BTCUSDT', '245.9992705786'],
      ['ETHBTC', '117.2385585586'],
    ]);
  });

  it('/pnl shows it per asset and in total, in USDT', async () => {
    await app.send('/pnl');
    const text = app.lastMessage().text!;
    expect(text).toContain('<b>BNB</b> · realized −0.0083 USDT · unrealized −0.59 USDT');
    expect(text).toContain('<b>BTC</b> · realized +243.75 USDT · unrealized +109.15 USDT');
    expect(text).toContain('<b>ETH</b> · realized +117.24 USDT · unrealized +177.54 USDT');
    expect(text).toContain('<b>Total</b> realized <b>+360.98 USDT</b> · unrealized <b>+286.10 USDT</b> · 5 fills');
    expect(text).not.toContain('unknown');
    await app.send('/pnl today ETHBTC');
    const eth = app.lastMessage().text!;
    expect(eth).toContain('<b>ETH</b> · realized +117.24 USDT · unrealized +177.54 USDT');
    // ETHBTC's buy spent BTC: what that realized on BTC (−2.2509501) belongs to the pair's P&L.
    expect(eth).toContain('<b>BTC</b> · realized −2.25 USDT');
    expect(eth).toContain('<b>Total</b> realized <b>+114.99 USDT</b>');
    expect(eth).toContain('2 fills');
    expectEveryCallAccepted(app);
  });

  it('/positions and /trades read the same ledger', async () => {
    await app.send('/positions');
    const positions = app.lastMessage();
    expect(positions.text).toContain('<b>BTC</b> 0.021968 · entry 60,031.26 · last 65,000.00 (+8.28%)');
    expect(positions.text).toContain('Value 1,427.92 USDT · unrealized <b>+109.15 USDT</b>');
    expect(positions.text).toContain('<b>ETH</b> 0.599 · entry 3,003.60 · last 3,300.00 (+9.87%)');
    expect(buttonsOf(positions.reply_markup).map((b) => b.text)).toEqual(['🔄 Refresh']);
    await app.send('/trades 3');
    const trades = app.lastMessage().text!;
    expect(trades).toContain('Last 3 fills');
    expect(trades).toContain('SELL 0.05 <b>BTCUSDT</b> @ 65,000.00 USDT · fee 0.004875 BNB · P&amp;L <b>+246.00 USDT</b>');
    expect(trades).toContain('SELL 0.4 <b>ETHBTC</b> @ 0.05500 BTC · fee 0.000022 BTC · P&amp;L <b>+117.24 USDT</b>');
    expect(trades).toContain('BUY 1 <b>ETHBTC</b> @ 0.05001 BTC · fee 0.001 ETH');
    expectEveryCallAccepted(app);
  });

  it('a sync after the stream finds every fill already there (counted once), and a rebuild from myTrades alone gives the same numbers', async () => {
    const report = await app.ledger!.sync.sync('test');
    expect(report.added).toBe(0);
    expect(await app.ledger!.store.count()).toBe(5);
    await app.ledger!.store.clearFills();
    const rebuilt = await app.ledger!.sync.sync('rebuild');
    expect(rebuilt.added).toBe(5);
    const all = await app.ledger!.reader.realized(0, Date.now() + 1);
    expect(formatFixed(all.realized, 10)).toBe('360.9785457038');
  });
});
