/**
 * /balance, /orders (with Cancel buttons), /cancel, /price and /status, checked against the
 * simulator's own state: values, the symbol's precision, thousands separators.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Order } from '../../src/binance/types.js';
import { createBot } from '../../src/bot/create-bot.js';
import { messageUpdate } from '../support/fake-bot-api.js';
import { startApp, PARTNER, TRADER, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();
const answers = (app: AppHarness) => app.telegram!.calls('answerCallbackQuery').map((c) => c.payload.text as string | undefined);

describe('account views', () => {
  let app: AppHarness;
  const limit = (side: 'BUY' | 'SELL', quantity: string, price: string, symbol = 'BTCUSDT'): Promise<Order> =>
    app.exchange.newOrder({ symbol, side, type: 'LIMIT', timeInForce: 'GTC', quantity, price, newOrderRespType: 'FULL' });

  beforeAll(async () => {
    app = await startApp({
      workers: false,
      balanceDustUsdt: '1',
      sim: {
        balances: { USDT: '12345.6789', BTC: '0.5', ETH: '0.0001', FOO: '5' },
        prices: { BTCUSDT: '65000', ETHUSDT: '3500' },
        options: { ordersPer10s: 1_000 },
      },
    });
  });
  afterAll(() => app.close());
  beforeEach(async () => {
    await app.fresh();
    app.sim.control.reset();
  });
  afterEach(() => expectEveryCallAccepted(app));

  it('/balance lists free, locked and USDT value at full precision, folds dust, and "Show all" unfolds it', async () => {
    await limit('BUY', '0.01', '60000'); // locks 600 USDT
    const balances = app.sim.control.balances();
    expect(balances.USDT).toEqual({ free: '11745.6789', locked: '600' });

    await app.send('/balance');
    const reply = app.lastMessage();
    expect(reply.text).toMatch(
      new RegExp(
        `^${escapeRegExp(
          [
            '<b>Balances</b>',
            '<b>BTC</b> 0.5 · ≈ 32,500.00 USDT',
            '<b>USDT</b> 12,345.6789 (free 11,745.6789, locked 600) · ≈ 12,345.68 USDT',
            '<b>FOO</b> 5 · no USDT price',
            '+ 1 small balance (ETH) · ≈ 0.35 USDT',
            '',
            '<b>Total ≈ 44,846.03 USDT</b>',
            '1 asset has no USDT price and is not counted.',
          ].join('\n'),
        )}\n24h: <b>[+−]?\\d+\\.\\d\\d%</b> \\([+−][\\d,]+\\.\\d\\d USDT\\) at today's holdings\n<i>Updated \\d\\d:\\d\\d:\\d\\d UTC</i>$`,
      ),
    );
    const [showAll, refresh] = buttonsOf(reply.reply_markup);
    expect([showAll?.text, refresh?.text]).toEqual(['Show all', '🔄 Refresh']);

    await app.press(reply.message_id, showAll!.callback_data);
    const unfolded = app.telegram!.message(TRADER.id, reply.message_id)!;
    expect(unfolded.text).toContain('<b>ETH</b> 0.0001 · ≈ 0.35 USDT');
    expect(unfolded.text).not.toContain('small balance');
    expect(buttonsOf(unfolded.reply_markup).map((b) => b.text)).toEqual(['🔄 Refresh']);
    expect(answers(app)).toHaveLength(1);

    // Refresh reads again and edits in place: the price moved, the value follows; dust folds again.
    app.sim.feed.setPrice('BTCUSDT', '66000');
    await app.press(reply.message_id, refresh!.callback_data);
    const refreshed = app.telegram!.message(TRADER.id, reply.message_id)!;
    expect(refreshed.text).toContain('<b>BTC</b> 0.5 · ≈ 33,000.00 USDT');
    expect(refreshed.text).toContain('+ 1 small balance (ETH)');
    expect(answers(app).at(-1)).toBe('Updated.');
    expect(app.messages().filter((m) => m.message_id > reply.message_id)).toEqual([]);
    app.sim.feed.setPrice('BTCUSDT', '65000');
  });

  it('/orders lists open orders newest first at the symbol precision, and each Cancel button cancels its order', async () => {
    const older = await limit('BUY', '0.01', '60000');
    const newer = await limit('SELL', '0.1', '70123.4');
    await app.send('/orders');
    const list = app.lastMessage();
    const lines = list.text!.split('\n');
    expect(lines[0]).toBe('<b>Open orders</b> (2)');
    expect(lines[1]).toMatch(new RegExp(`^#${newer.orderId} · <b>SELL BTCUSDT</b> · LIMIT 0\\.10000 @ 70,123\\.40 · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`));
    expect(lines[2]).toMatch(new RegExp(`^#${older.orderId} · <b>BUY BTCUSDT</b> · LIMIT 0\\.01000 @ 60,000\\.00 · `));
    const buttons = buttonsOf(list.reply_markup);
    expect(buttons.map((b) => b.text)).toEqual([`✖️ Cancel #${newer.orderId} BTCUSDT`, `✖️ Cancel #${older.orderId} BTCUSDT`, '🔄 Refresh']);

    // Someone else's press is refused; the owner's cancels at once.
    await app.press(list.message_id, buttons[0]!.callback_data, { from: PARTNER });
    expect(answers(app).at(-1)).toBe('This button belongs to someone else.');
    expect(app.sim.control.orders('BTCUSDT').find((o) => o.orderId === newer.orderId)?.status).toBe('NEW');

    await app.press(list.message_id, buttons[0]!.callback_data);
    expect(answers(app).at(-1)).toBe(`Order #${newer.orderId} cancelled.`);
    expect(app.sim.control.orders('BTCUSDT').find((o) => o.orderId === newer.orderId)?.status).toBe('CANCELED');
    // The list is edited in place: what was cancelled on top, the order still open below; no new message.
    const edited = app.telegram!.message(TRADER.id, list.message_id)!;
    expect(edited.text).toMatch(new RegExp(`^✖️ Cancelled order <code>${newer.orderId}</code>: SELL 0\\.10000 BTC on BTCUSDT at 70,123\\.40 USDT\\.\\n\\n<b>Open orders</b>`));
    expect(edited.text).toContain('<b>Open orders</b> (1)');
    expect(edited.text).not.toContain(`#${newer.orderId} · `);
    expect(edited.text).toContain(`#${older.orderId} · <b>BUY BTCUSDT</b>`);
    expect(buttonsOf(edited.reply_markup).map((b) => b.text)).toEqual([`✖️ Cancel #${older.orderId} BTCUSDT`, '🔄 Refresh']);
    expect(app.lastMessage().message_id).toBe(list.message_id);

    // An order placed meanwhile appears on Refresh.
    const later = await limit('BUY', '0.01', '59000');
    const refresh = buttonsOf(edited.reply_markup).at(-1)!;
    await app.press(list.message_id, refresh.callback_data);
    expect(app.telegram!.message(TRADER.id, list.message_id)!.text).toContain(`#${later.orderId} · <b>BUY BTCUSDT</b>`);
    await app.exchange.cancelOrder({ symbol: 'BTCUSDT', orderId: later.orderId });

    // A stale press (the order is gone) is answered with the reason.
    await app.press(list.message_id, buttons[0]!.callback_data);
    expect(answers(app).at(-1)).toMatch(/no open order/i);
    expect(answers(app)).toHaveLength(4);
  });

  it('/orders past 4096 characters is split, each part within the limit, buttons on the last', async () => {
    for (let i = 0; i < 70; i++) await limit('BUY', '0.001', String(50000 + i));
    await app.send('/orders BTC/USDT');
    const parts = app.messages();
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(part.text!.length).toBeLessThanOrEqual(4096);
    expect(parts.slice(0, -1).every((p) => buttonsOf(p.reply_markup).length === 0)).toBe(true);
    expect(buttonsOf(parts.at(-1)!.reply_markup)).toHaveLength(21); // 20 Cancel buttons and Refresh
    expect(parts.map((p) => p.text).join('\n').match(/^#\d+ · /gm)).toHaveLength(70);
  });

  it('/cancel one order acts at once; several wait for the owner to confirm, once', async () => {
    const a = await limit('BUY', '0.01', '60000');
    await app.send(`/cancel ${a.orderId}`);
    expect(app.lastMessage().text).toMatch(new RegExp(`Cancelled order <code>${a.orderId}</code>`));
    expect(buttonsOf(app.lastMessage().reply_markup)).toEqual([]);

    const b = await limit('BUY', '0.01', '60000');
    const c = await limit('SELL', '0.01', '70000');
    await app.send('/cancel btcusdt');
    const ask = app.lastMessage();
    expect(ask.text).toMatch(/^<b>Cancel 2 open orders on BTCUSDT\?<\/b>/);
    const [confirm, keep] = buttonsOf(ask.reply_markup);
    expect([confirm?.text, keep?.text]).toEqual(['✅ Cancel 2 orders', '✖️ Keep them']);
    expect(app.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toHaveLength(2);

    await app.press(ask.message_id, confirm!.callback_data, { from: PARTNER });
    expect(answers(app).at(-1)).toBe('This button belongs to someone else.');
    await app.press(ask.message_id, confirm!.callback_data);
    await app.press(ask.message_id, confirm!.callback_data);
    expect(answers(app).slice(-2)).toEqual(['Cancelling 2 orders…', 'These orders were already cancelled from this message.']);
    const statuses = app.sim.control.orders('BTCUSDT').filter((o) => [b.orderId, c.orderId].includes(o.orderId)).map((o) => o.status);
    expect(statuses).toEqual(['CANCELED', 'CANCELED']);
    expect(app.telegram!.message(TRADER.id, ask.message_id)!.text).toMatch(/^<b>Cancelled 2 of 2 orders\.<\/b>/);
    const cancels = app.sim.control.requests().filter((r) => r.method === 'DELETE' && r.path === '/api/v3/order');
    expect(cancels).toHaveLength(3);
  });

  it('a multi-order /cancel nobody answers is edited at its deadline: expired, no buttons, the orders untouched', async () => {
    const shortLived = await startApp({ confirmTtlS: 5, sim: { balances: { USDT: '5000' }, prices: { BTCUSDT: '65000', ETHUSDT: '3500' } } });
    try {
      for (const price of ['60000', '61000']) {
        await shortLived.exchange.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.001', price, newOrderRespType: 'FULL' });
      }
      await shortLived.send('/cancel BTCUSDT');
      const ask = shortLived.lastMessage();
      expect(ask.text).toContain('Confirm within 5 s.');
      const expired = await shortLived.waitForText(ask.message_id, /Expired/);
      expect(expired.text).toMatch(/^<b>Cancel 2 open orders on BTCUSDT\?<\/b>/);
      expect(expired.text).toContain('⌛ Expired: nothing was cancelled; send /cancel again if you still want to.');
      expect(buttonsOf(expired.reply_markup)).toEqual([]);
      expect(shortLived.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toHaveLength(2);
    } finally {
      await shortLived.close();
    }
  });

  it('/cancel with nothing open says so, and a bad target gets the usage', async () => {
    await app.send('/cancel all');
    expect(app.lastMessage().text).toBe('No open orders on all symbols.');
    await app.send('/cancel 0');
    expect(app.lastMessage().text).toMatch(/"0" is not a valid order id\.\nUsage: \/cancel ORDER_ID\|SYMBOL\|all/);
  });

  it('/price shows the last price, 24h change and range, and the average at the tick precision', async () => {
    app.sim.feed.setPrice('BTCUSDT', '65432.1');
    const ticker = await app.exchange.ticker24h('BTCUSDT');
    await app.send('/price btcusdt');
    const text = app.lastMessage().text!;
    expect(text.split('\n')[0]).toBe('<b>BTCUSDT</b> 65,432.10 USDT');
    const group = (v: string) => Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(text).toContain(`24h range: ${group(ticker.lowPrice)} – ${group(ticker.highPrice)}`);
    expect(text).toMatch(/24h change: <b>[+−]?\d+\.\d\d%<\/b>/);
    expect(text).toMatch(/Average price \(\d+ min\): [\d,]+\.\d\d/);
  });

  it('/status reports the mode, the exchange, weight against the real limit, and queue depths', async () => {
    await app.send('/status');
    const text = app.lastMessage().text!;
    expect(text).toContain('Mode: <b>PAPER</b>');
    expect(text).toMatch(/Exchange: reachable \(\d+ ms\)/);
    expect(text).toMatch(/Clock offset \(this server − exchange\): [+−]?[\d,]+ ms/);
    const used = Number(/Weight used \(1 min\): (\d+) of 6,000/.exec(text)?.[1]);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(app.exchange.usage().usedWeight1m);
    expect(text).toContain('Automation: running');
    expect(text).toContain('Orders queue: 0 waiting, 0 active, 0 delayed, 0 failed');
  });

  it('/status shows the user stream and the last stop evaluation when the process reports them', async () => {
    const at = Date.UTC(2026, 10, 22, 5, 39, 7);
    const bot = createBot({
      ...app.deps,
      status: {
        userStream: () => ({ state: 'connected', since: at, holder: '<worker-1>' }),
        lastStopEvaluation: async () => ({ at, summary: '3 stops checked, 1 moved' }),
      },
    });
    await bot.handleUpdate(messageUpdate({ from: TRADER, text: '/status' }) as never);
    const text = app.lastMessage().text!;
    expect(text).toMatch(/User stream: connected for \d+ d( \d+ h)?\n/);
    expect(text).toMatch(/Last stop evaluation: \d+ d( \d+ h)? ago · 3 stops checked, 1 moved/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
