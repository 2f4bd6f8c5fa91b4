/**
 * The console (DESIGN.md §7): the same bot and workers, driven through in-memory streams as a
 * newcomer would type — /help, /balance, /buy BTCUSDT 100USDT, then 1 to press Confirm — and
 * the card, then the fill, printed; no Telegram anywhere.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleSession } from '../../src/bot/console-session.js';
import { renderHtml } from '../../src/bot/console-render.js';
import { eventually, startApp, TRADER, type AppHarness } from '../support/app-harness.js';

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
    await eventually(() => (/Filled/.test(term.printed()) ? true : undefined), 'the fill to print');
    term.input.end();
    await ended;

    const out = term.printed();
    expect(out).toContain('you: /help');
    expect(out).toContain('/buy — Buy at market, or with a limit price');
    expect(out).toMatch(/Balances\n\s+BTC 0\.5 · ≈ 32,500\.00 USDT\n\s+USDT 10,000 · ≈ 10,000\.00 USDT/);
    expect(out).toMatch(/Confirm order: BUY BTCUSDT · market\n\s+Spend: 100(\.00)? USDT/);
    expect(out).toContain('[1] ✅ Confirm  [2] ✖️ Cancel');
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

  it('renders Telegram HTML for a terminal, with ANSI styles only when asked', () => {
    const html = '<b>BTC</b> &lt;0.5&gt; &amp; <i>more</i> <a href="https://x.test/?a=1&amp;b=2">docs</a> <code>/help</code>';
    expect(renderHtml(html, { color: false })).toBe('BTC <0.5> & more docs (https://x.test/?a=1&b=2) /help');
    expect(renderHtml(html, { color: true })).toContain('\x1b[1mBTC\x1b[22m');
  });
});
