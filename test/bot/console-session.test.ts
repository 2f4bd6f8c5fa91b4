/**
 * The console (DESIGN.md §7): the same bot and workers, driven through in-memory streams as a
 * newcomer would type — /help, /balance, /buy BTCUSDT 100USDT, then 1 to press Confirm — and
 * the card, then the fill, printed; no Telegram anywhere.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Api, InputFile } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSOLE_BOT_INFO, createConsoleSession } from '../../src/bot/console-session.js';
import { createConsoleTransformer } from '../../src/bot/console-transformer.js';
import { renderHtml } from '../../src/bot/console-render.js';
import { startApp, TRADER, type AppHarness } from '../support/app-harness.js';
import { eventually } from '../support/wait.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  return { input, output, printed: () => printed };
}

describe('console session', () => {
  let app: AppHarness | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('prints the card for /buy, presses Confirm on "1", then prints the fill', async () => {
    const term = terminal();
    const session = createConsoleSession({ input: term.input, output: term.output, userId: TRADER.id, color: false });
    app = await startApp({ console: session });
    const ended = session.start();

    term.input.write('/help\n/balance\n/buy BTCUSDT 100USDT\n1\n');
    await expect.poll(() => /Filled/.test(term.printed()), { message: 'the fill to print' }).toBeTruthy();
    term.input.end();
    await ended;

    const out = term.printed();
    expect(out).toContain('you: /help');
    expect(out).toContain('/buy — Buy at market, or with a limit price');
    expect(out).toMatch(/Balances\n\s+BTC 0\.5 · ≈ 32,500\.00 USDT\n\s+USDT 10,000 · ≈ 10,000\.00 USDT/);
    expect(out).toMatch(/Confirm order: BUY BTCUSDT · market\n\s+Spend: 100(\.00)? USDT/);
    // The card carries its number, and its buttons are numbered under it.
    const card = /bot \(message (\d+)\):\n\s+.*Confirm order/.exec(out);
    expect(card).not.toBeNull();
    expect(out).toContain(`[${card![1]}.1] ✅ Confirm  [${card![1]}.2] ✖️ Cancel`);
    expect(out).toMatch(/Confirmed: the order is on its way\./); // the answer to the press
    expect(out).toMatch(/updated\):\n[\s\S]*✅ Filled/);
    expect(out).not.toMatch(/<\/?b>|&lt;|&amp;/); // HTML rendered, entities decoded
    expect(app.orderPosts()).toHaveLength(1);
  });

  it('handles lines in order, explains a number with no button, and ends on /quit', async () => {
    const term = terminal();
    const session = createConsoleSession({ input: term.input, output: term.output, userId: TRADER.id, color: false });
    app = await startApp({ console: session, workers: false });
    const ended = session.start();
    term.input.write('7\n/price BTCUSDT\n/nonsense\n/quit\n/help\n');
    await ended;
    const out = term.printed();
    expect(out.indexOf('There are no buttons to press.')).toBeLessThan(out.indexOf('BTCUSDT 65,000.00 USDT'));
    expect(out.indexOf('BTCUSDT 65,000.00 USDT')).toBeLessThan(out.indexOf('Unknown command /nonsense. See /help.'));
    expect(out).not.toContain('you: /help'); // nothing after /quit is handled
  });

  // After a dismissed card, "1" must not cancel an order from an old /orders list.
  it('presses by message and button number, a bare number on the last keyboard shown only, and never a used keyboard', async () => {
    const term = terminal();
    const session = createConsoleSession({ input: term.input, output: term.output, userId: TRADER.id, color: false });
    app = await startApp({ console: session, workers: false });
    const ended = session.start();
    const typed = typer(term);
    const cardNumber = (seen: string) => Number(/bot \(message (\d+)\):\n\s+.*Confirm order/.exec(seen)![1]);

    const first = cardNumber(await typed('/buy BTCUSDT 100USDT', /Cancel\n/));
    const second = cardNumber(await typed('/sell BTCUSDT 0.001', /Cancel\n/));
    expect(await typed(`${first}.3`, /\n$/)).toContain(`Message ${first} has no button ${first}.3: its buttons are ${first}.1 to ${first}.2.`);
    expect(await typed('99.1', /\n$/)).toContain('There is no message 99.');

    // A bare number is the last keyboard shown: the second card, not the first.
    expect(await typed('2', /updated\):/)).toMatch(new RegExp(`bot \\(message ${second} updated\\):\\n[\\s\\S]*Cancelled`));
    // That keyboard is used now: a bare number does not fall through to the first card.
    expect(await typed('1', /\n$/)).toContain(`Message ${second}'s buttons are gone. To press a button of message ${first}, type ${first}.1.`);
    // The first card by its number: it loses its buttons too.
    expect(await typed(`${first}.2`, /updated\):/)).toMatch(new RegExp(`bot \\(message ${first} updated\\):\\n[\\s\\S]*Cancelled`));
    expect(await typed(`${first}.1`, /\n$/)).toContain(`Message ${first} has no buttons.`);
    term.input.end();
    await ended;
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('never lets a bare number fall through a dismissed card to an old /orders list', async () => {
    const term = terminal();
    const session = createConsoleSession({ input: term.input, output: term.output, userId: TRADER.id, color: false });
    app = await startApp({ console: session });
    const ended = session.start();
    const typed = typer(term);
    const numberOf = (seen: string) => Number(/bot \(message (\d+)\):/.exec(seen)![1]);

    await typed('/buy BTCUSDT 0.001 60000', /Cancel\n/);
    await typed('1', /Placed/);
    const list = numberOf(await typed('/orders', /Cancel #/));
    const card = numberOf(await typed('/buy BTCUSDT 100USDT', /Cancel\n/));
    await typed(`${card}.2`, /updated\):[\s\S]*Cancelled/);
    // The card is gone; the only buttons left are the list's, far up the screen.
    expect(await typed('1', /\n$/)).toContain(`Message ${card}'s buttons are gone. To press a button of message ${list}, type ${list}.1.`);
    term.input.end();
    await ended;
    expect(app.sim.control.orders('BTCUSDT').filter((o) => o.status === 'NEW')).toHaveLength(1);
  });

  it('leaves nothing to press on a card that expired unanswered', async () => {
    const term = terminal();
    const session = createConsoleSession({ input: term.input, output: term.output, userId: TRADER.id, color: false });
    app = await startApp({ console: session, confirmTtlS: 1 });
    const ended = session.start();
    term.input.write('/buy BTCUSDT 100USDT\n');
    const expired = await eventually(() => /bot \(message (\d+) updated\):\n[^[]*expired[^[]*$/i.exec(term.printed()) ?? undefined, 'the card to expire', 10_000);
    term.input.write(`1\n${expired[1]}.1\n`);
    await expect.poll(() => /has no buttons\.\n/.test(term.printed()), { message: 'the refusals' }).toBeTruthy();
    term.input.end();
    await ended;
    const out = term.printed();
    expect(out).toContain(`you: 1\nMessage ${expired[1]}'s buttons are gone.`);
    expect(out).toContain(`you: ${expired[1]}.1\nMessage ${expired[1]} has no buttons.`);
    expect(app.orderPosts()).toHaveLength(0);
  });

  it('spends a keyboard when pressed until the bot sends new buttons', async () => {
    const printed: string[] = [];
    const printer = createConsoleTransformer({ screen: { print: (block) => printed.push(block) }, botInfo: CONSOLE_BOT_INFO, render: { color: false } });
    const api = new Api('console');
    api.config.use(printer.transformer);
    const keyboard = { inline_keyboard: [[{ text: 'Yes', callback_data: 'y' }]] };
    const sent = await api.sendMessage(7, 'Sure?', { reply_markup: keyboard });
    const message = printer.message(7, sent.message_id)!;
    expect(printer.pressable()).toEqual([message]);
    printer.markPressed(message);
    expect(printer.pressable()).toEqual([]);
    await api.editMessageText(7, sent.message_id, 'Still sure?', { reply_markup: keyboard });
    expect(printer.pressable()).toEqual([message]);
    expect(printed.at(-1)).toBe(`bot (message ${sent.message_id} updated):\n  Still sure?\n  [${sent.message_id}.1] Yes\n`);
  });

  it('writes a sent chart to a PNG file in the charts directory and prints its path with the caption', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-charts-'));
    try {
      const printed: string[] = [];
      const at = Date.UTC(2026, 11, 6, 6, 16, 35);
      const printer = createConsoleTransformer({ screen: { print: (block) => printed.push(block) }, botInfo: CONSOLE_BOT_INFO, render: { color: false }, chartsDir: dir, now: () => at });
      const api = new Api('console');
      api.config.use(printer.transformer);
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
      await api.sendPhoto(7, new InputFile(png, 'BTCUSDT-4h-fractals.png'), { caption: '<b>BTCUSDT · 4h</b> &amp; more', parse_mode: 'HTML' });
      await api.sendPhoto(7, new InputFile(png, 'BTCUSDT-4h-fractals.png'), { caption: 'again' });
      const first = join(dir, 'BTCUSDT-4h-fractals-20261206-061635.png');
      const second = join(dir, 'BTCUSDT-4h-fractals-20261206-061635-2.png');
      expect(readFileSync(first)).toEqual(png);
      expect(readFileSync(second)).toEqual(png);
      expect(printed[0]).toBe(`bot:\n  🖼 Chart saved to ${first}\n  BTCUSDT · 4h & more\n`);
      expect(printed[1]).toBe(`bot:\n  🖼 Chart saved to ${second}\n  again\n`);
      expect(printed.join('')).not.toContain('[chart image]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders Telegram HTML for a terminal, with ANSI styles only when asked', () => {
    const html = '<b>BTC</b> &lt;0.5&gt; &amp; <i>more</i> <a href="https://x.test/?a=1&amp;b=2">docs</a> <code>/help</code>';
    expect(renderHtml(html, { color: false })).toBe('BTC <0.5> & more docs (https://x.test/?a=1&b=2) /help');
    expect(renderHtml(html, { color: true })).toContain('\x1b[1mBTC\x1b[22m');
  });
});

/** Types a line and waits until what it printed matches `until`; returns what it printed. */
function typer(term: ReturnType<typeof terminal>) {
  return async (line: string, until: RegExp): Promise<string> => {
    const from = term.printed().length;
    term.input.write(`${line}\n`);
    return eventually(() => {
      const seen = term.printed().slice(from);
      return until.test(seen) ? seen : undefined;
    }, `${until} after ${line}`);
  };
}
