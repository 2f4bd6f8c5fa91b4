/**
 * The one command table: the menu Telegram shows (setMyCommands), /help and the usage lines
 * all come from it, and Telegram's own rules for the menu hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, syncCommands } from '../../src/bot/command-table.js';
import { modeLine } from '../../src/bot/mode-badge.js';
import { startApp, type AppHarness } from '../support/app-harness.js';
import { expectEveryCallAccepted } from './bot-assertions.js';

describe('command table', () => {
  let app: AppHarness;
  beforeAll(async () => {
    app = await startApp({ workers: false, maxOrderValue: '2500' });
  });
  afterAll(() => app.close());

  it('follows Telegram rules for the command menu', () => {
    // core.telegram.org/bots/api#botcommand: 1-32 of a-z, 0-9, _; description 1-256 characters.
    for (const c of COMMANDS) {
      expect(c.name).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(c.description.length).toBeGreaterThan(0);
      expect(c.description.length).toBeLessThanOrEqual(256);
      expect(c.usage.startsWith(`/${c.name}`)).toBe(true);
      expect(c.example.startsWith(`/${c.name}`)).toBe(true);
    }
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
  });

  it('publishes the menu with setMyCommands', async () => {
    await syncCommands(app.bot);
    const [call] = app.telegram!.calls('setMyCommands');
    expect(call?.payload.commands).toEqual(COMMANDS.map((c) => ({ command: c.name, description: c.description })));
  });

  it('/help lists every command, and /help buy gives its usage, example and the order cap', async () => {
    await app.send('/help');
    const list = app.lastMessage().text!;
    for (const c of COMMANDS) expect(list).toContain(`/${c.name} — `);
    expect(list).toContain('Mode: <b>PAPER</b>');
    // One example per command that takes arguments, tappable as code.
    expect(list).toContain('/buy — Buy at market, or with a limit price · e.g. <code>/buy BTCUSDT 100USDT</code>');
    expect(list).toContain('/top — 24h top gainers, losers or volume · e.g. <code>/top losers 20 USDT</code>');
    for (const c of COMMANDS.filter((c) => c.usage !== `/${c.name}` && c.name !== 'help')) expect(list).toContain(`<code>${c.example}</code>`);
    expect(list).toMatch(/^\/balance — [^·\n]+$/m); // no arguments: the command is its own example
    expect(list).toMatch(/^\/help — Commands, or how to use one: \/help buy$/m);

    await app.send('/help buy');
    expect(app.lastMessage().text).toBe(
      [
        '<b>/buy</b> — Buy at market, or with a limit price',
        'Usage: <code>/buy SYMBOL AMOUNT [PRICE] [sl=STOP] [tp=TARGET]</code>',
        'Example: <code>/buy BTCUSDT 100USDT</code>',
        'AMOUNT is a quantity of the base asset (0.01) or an amount of the quote asset (100USDT or $100).',
        'With PRICE the order is a LIMIT order (good till cancelled); without it, a MARKET order.',
        'sl= sets a stop with the entry: a price (sl=61000), N% below the entry (sl=3%), the newest bullish fractal, trailing (sl=fractal or sl=fractal:1h), or MULT × ATR(14) below the entry, trailing as a chandelier stop (sl=atr, sl=atr:3).',
        'tp= sets a target: a price (tp=70000), N% above the entry (tp=5%) or N times the risk (tp=2R). With both, the exits are one OCO: whichever fills cancels the other.',
        'AMOUNT may be risk=1% (of the net value) or risk=50 (in the valuation asset): the quantity is then the risk divided by the distance to the stop, so it needs sl=.',
        'You get a card with the priced order and Confirm / Cancel buttons. Nothing is sent before Confirm.',
        'Orders worth more than 2,500.00 USDT are refused, whatever the pair (MAX_ORDER_VALUE).',
      ].join('\n'),
    );
    await app.send('/help /SELL');
    expect(app.lastMessage().text).toMatch(/^<b>\/sell<\/b>/);
    await app.send('/help <script>');
    expect(app.lastMessage().text).toMatch(/^There is no command \/&lt;script&gt;\./);
    expectEveryCallAccepted(app);
  });

  it('makes LIVE mode loud', () => {
    expect(modeLine('live')).toMatch(/🔴.*<b>LIVE — REAL MONEY<\/b>[\s\S]*real|funds/);
    expect(modeLine('testnet')).toContain('<b>TESTNET</b>');
  });

  it('/start announces the mode and lists the commands', async () => {
    await app.send('/start');
    const text = app.lastMessage().text!;
    expect(text).toContain('🧪 Mode: <b>PAPER</b>');
    expect(text).toContain('Nothing is sent to the exchange before you tap <b>Confirm</b>');
    expect(text).toContain('/status — ');
  });
});
