/**
 * /positions, /pnl and /trades through the real bot on the fake Bot API: what a holding the bot
 * never saw bought says, bad arguments, the Refresh that edits in place, the rebuild's
 * confirmation (only its asker can confirm), and paging past Telegram's 4,096 characters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { paginate, pickPage } from '../../src/bot/pages.js';
import { eventually, PARTNER, startApp, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

type Button = { text: string; callback_data: string };
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

describe('ledger views', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ logger: createLogger({ level: 'error' }), userStream: true, ledger: true, sim: { balances: { USDT: '10000', BTC: '0.5' }, prices: { BTCUSDT: '60000', ETHUSDT: '3000' } } });
    app.sim.feed.setPrice('BTCUSDT', '60000');
  }, 60_000);
  afterAll(() => app?.close());

  it('a deposit has no known entry: /positions and /pnl say so instead of a P&L', async () => {
    await app.send('/positions');
    const text = app.lastMessage().text!;
    expect(text).toContain('<b>BTC</b> 0.5 · last 60,000.00');
    expect(text).toContain('No P&amp;L: entry unknown for 0.5 BTC');
    expect(text).not.toContain('unrealized <b>+');
    await app.send('/sell BTCUSDT 0.1');
    const card = app.lastMessage();
    await app.press(card.message_id, buttonsOf(card.reply_markup)[0]!.callback_data);
    await app.waitForText(card.message_id, /Filled/);
    await eventually(async () => ((await app.ledger!.store.count()) === 1 ? true : undefined), 'the sell in the ledger');
    await app.send('/pnl');
    const pnl = app.lastMessage().text!;
    expect(pnl).toContain('some sells had no known entry');
    expect(pnl).toContain('entry unknown for 0.4 BTC');
    await app.send('/trades');
    expect(app.lastMessage().text).toContain('entry unknown for 0.1');
    expectEveryCallAccepted(app);
  });

  it('bad arguments answer the usage line with an example', async () => {
    for (const [command, problem] of [
      ['/pnl 2024', '"2024" is neither a period (today, 7d, 30d, all) nor a symbol'],
      ['/pnl yesterday', '"YESTERDAY" is neither a symbol nor an asset'],
      ['/pnl 7d 30d', 'Give one period at most.'],
      ['/pnl NOSUCHCOIN', '"NOSUCHCOIN" is neither a symbol nor an asset'],
      ['/trades 0', 'N must be between 1 and 500.'],
      ['/trades BTCUSDT 5 6', 'Too many arguments'],
      ['/positions now', 'Too many arguments'],
    ] as const) {
      await app.send(command);
      const text = app.lastMessage().text!;
      expect(text, command).toContain(problem);
      expect(text, command).toMatch(/Usage: \/(pnl|trades|positions)/);
    }
  });

  it('Refresh edits the view in place; the rebuild asks first and only its asker can confirm', async () => {
    await app.send('/pnl 7d BTC');
    const view = app.lastMessage();
    const [refresh] = buttonsOf(view.reply_markup);
    expect(refresh!.text).toBe('🔄 Refresh');
    const before = app.messages().length;
    // A second later, so the "Updated" line differs (Telegram refuses an edit that changes nothing).
    await new Promise((r) => setTimeout(r, 1_100));
    await app.press(view.message_id, refresh!.callback_data);
    expect(app.messages()).toHaveLength(before);
    expect(app.telegram!.calls('editMessageText').some((c) => (c.payload as { message_id: number }).message_id === view.message_id)).toBe(true);

    await app.send('/pnl rebuild');
    const ask = app.lastMessage();
    const [rebuild] = buttonsOf(ask.reply_markup);
    await app.press(ask.message_id, rebuild!.callback_data, { from: PARTNER });
    const rebuilds = async () => (await app.ledger!.jobs.queue.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((j) => j.name === 'rebuild').length;
    expect(await rebuilds()).toBe(0);
    await app.press(ask.message_id, rebuild!.callback_data);
    await app.waitForText(ask.message_id, /being rebuilt/);
    await eventually(async () => ((await app.ledger!.store.lastSync())?.reason === 'rebuild' ? true : undefined), 'the rebuild to run');
    expect(await app.ledger!.store.count()).toBe(1);
    expectEveryCallAccepted(app);
  });

  it('pages stay under 4,096 characters, each with the header and footer', () => {
    const blocks = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    const pages = paginate('<b>Header</b>', blocks, '<i>Updated</i>');
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages) {
      expect(page.length).toBeLessThanOrEqual(4096);
      expect(page.startsWith('<b>Header</b>')).toBe(true);
      expect(page.endsWith('<i>Updated</i>')).toBe(true);
    }
    expect(pages.join('\n')).toContain('line 299');
    expect(pickPage(pages, 99).page).toBe(pages.length - 1);
  });
});
