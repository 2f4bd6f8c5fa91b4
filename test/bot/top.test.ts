/**
 * /top through the real grammY bot, the fake Telegram Bot API and the Binance stub serving the
 * real 2024-03-10 ticker: the reply, the buttons that switch the ranking by editing the same
 * message, the refusals, and 100 users asking at once for one upstream ticker request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCallback, encodeCallback } from '../../src/bot/callback-data.js';
import { parseTopArgs } from '../../src/bot/features/top.js';
import { callbackUpdate, messageUpdate, validateTelegramHtml } from '../support/fake-bot-api.js';
import { startMarketBot, TICKER_ROUTE, type MarketBot } from './market-bot-harness.js';

const TRADER = { id: 4242, first_name: 'Ana' };
const CROWD = Array.from({ length: 100 }, (_, i) => 700_000 + i);

let m: MarketBot;
beforeEach(async () => {
  m = await startMarketBot({ allowedUsers: [TRADER.id, ...CROWD], tickerDelayMs: 100 });
});
afterEach(async () => {
  await m.close();
});

interface Button {
  text: string;
  callback_data: string;
}
const buttonsOf = (markup: unknown): Button[] => ((markup as { inline_keyboard?: Button[][] } | undefined)?.inline_keyboard ?? []).flat();

async function ask(text: string) {
  await m.handle(messageUpdate({ from: TRADER, text }));
  const sent = m.api.messages(TRADER.id);
  return sent[sent.length - 1]!;
}

describe('/top', () => {
  it('answers the default ranking: 10 gainers in USDT, each line rank, symbol, change, price, volume', async () => {
    const reply = await ask('/top');
    const lines = reply.text!.split('\n');
    expect(lines[0]).toBe('<b>Top 10 gainers · USDT</b> · 24h');
    expect(lines[1]).toBe('1. <b>IQUSDT</b> +68.34% · 0.016541 · vol 89.4M');
    expect(lines[2]).toBe('2. <b>CTXCUSDT</b> +36.24% · 0.8654 · vol 98.6M');
    expect(lines.filter((l) => /^\d+\. /.test(l))).toHaveLength(10);
    expect(reply.text).toContain('Left out: pairs under 100K USDT of 24h volume');
    expect(validateTelegramHtml(reply.text!)).toBeUndefined();
    expect(buttonsOf(reply.reply_markup).map((b) => b.text)).toEqual(['• 📈 Gainers', '📉 Losers', '💰 Volume']);
    expect(m.stub.requestsTo(TICKER_ROUTE)).toHaveLength(1);
  });

  it('switches to losers and volume by editing the same message, answering every press', async () => {
    const reply = await ask('/top 5 usdt');
    const losers = buttonsOf(reply.reply_markup).find((b) => b.text.includes('Losers'))!;
    expect(decodeCallback(losers.callback_data)).toEqual({ ok: true, action: { kind: 'top-ranking', by: 'losers', limit: 5, quote: 'USDT' } });

    await m.handle(callbackUpdate({ from: TRADER, messageId: reply.message_id, data: losers.callback_data, messageText: reply.text }));
    let edited = m.api.message(TRADER.id, reply.message_id)!;
    expect(edited.edits).toBe(1);
    expect(edited.text!.split('\n')[0]).toBe('<b>Top 5 losers · USDT</b> · 24h');
    expect(edited.text).toMatch(/^1\. <b>\w+<\/b> −\d+\.\d\d% /m);
    expect(buttonsOf(edited.reply_markup).map((b) => b.text)).toEqual(['📈 Gainers', '• 📉 Losers', '💰 Volume']);

    const volume = buttonsOf(edited.reply_markup).find((b) => b.text.includes('Volume'))!;
    await m.handle(callbackUpdate({ from: TRADER, messageId: reply.message_id, data: volume.callback_data }));
    edited = m.api.message(TRADER.id, reply.message_id)!;
    expect(edited.text!.split('\n').slice(0, 2)).toEqual(['<b>Top 5 by volume · USDT</b> · 24h', '1. <b>BTCUSDT</b> +1.25% · 69,010.01 · vol 1.5B']);

    // Pressing the ranking already shown changes nothing and is still answered.
    const again = buttonsOf(edited.reply_markup).find((b) => b.text.startsWith('•'))!;
    await m.handle(callbackUpdate({ from: TRADER, messageId: reply.message_id, data: again.callback_data }));
    expect(m.api.message(TRADER.id, reply.message_id)!.edits).toBe(2);
    expect(m.api.calls('answerCallbackQuery')).toHaveLength(3);
    expect(m.api.messages(TRADER.id)).toHaveLength(1); // edited, never re-sent
    expect(m.stub.requestsTo(TICKER_ROUTE)).toHaveLength(1); // all from the one snapshot
  });

  it('takes N and QUOTE in any order, up to 50', async () => {
    const reply = await ask('/top 50 volume BTC');
    expect(reply.text!.split('\n')[0]).toBe('<b>Top 50 by volume · BTC</b> · 24h');
    expect(reply.text!.split('\n').filter((l) => /^\d+\. /.test(l))).toHaveLength(50);
    expect(reply.text).toContain('Left out: pairs under 1.45 BTC of 24h volume');
    expect(parseTopArgs('btc losers 3')).toEqual({ by: 'losers', limit: 3, quote: 'BTC' });
  });

  it('refuses bad arguments with the usage line, and an unknown quote with real ones', async () => {
    expect((await ask('/top 51')).text).toContain('N must be between 1 and 50.\nUsage: /top [gainers|losers|volume] [N] [QUOTE]');
    expect((await ask('/top gainers losers')).text).toContain('Give one ranking');
    expect((await ask('/top 0')).text).toContain('N must be between 1 and 50.');
    expect((await ask('/top 1.5')).text).toContain('is not a ranking, a number or a quote asset');
    // A mistyped ranking is not a currency, and a near quote is suggested.
    expect((await ask('/top loosers')).text).toBe(
      ['"loosers" is not a ranking. Did you mean losers?', 'Usage: /top [gainers|losers|volume] [N] [QUOTE]', 'Example: /top losers'].join('\n'),
    );
    expect((await ask('/top 5 gainres')).text).toMatch(/^"gainres" is not a ranking\. Did you mean gainers\?\n[\s\S]*\nExample: \/top 5 gainers$/);
    expect((await ask('/top vol')).text).toMatch(/^<b>Top 10 by volume · USDT<\/b>/);
    expect((await ask('/top usdtt')).text).toMatch(/^No trading pair is quoted in USDTT\. Did you mean USDT\?\n[\s\S]*Example: \/top gainers 10 USDT$/);
    const unknownQuote = (await ask('/top XYZ')).text!;
    expect(unknownQuote).toContain('No trading pair is quoted in XYZ. Try USDT, USDC, FDUSD, BTC, ETH, BNB, EUR, TRY.');
    expect(unknownQuote).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses forged ranking buttons', async () => {
    const reply = await ask('/top');
    for (const data of ['t:constructor:10:USDT', 't:g:51:USDT', 't:g:10:usdt', 't:g:10', 't:x:1:USDT']) {
      expect(decodeCallback(data).ok).toBe(false);
      await m.handle(callbackUpdate({ from: TRADER, messageId: reply.message_id, data }));
    }
    const answers = m.api.calls('answerCallbackQuery');
    expect(answers).toHaveLength(5);
    for (const answer of answers) expect(answer.payload).toMatchObject({ text: 'This button is no longer recognised. Send the command again.', show_alert: true });
    expect(m.api.message(TRADER.id, reply.message_id)!.edits).toBe(0);
    expect(() => encodeCallback({ kind: 'top-ranking', by: 'gainers', limit: 51, quote: 'USDT' })).toThrow(RangeError);
  });

  it('serves 100 users asking at once with one upstream ticker request', async () => {
    await Promise.all(CROWD.map((id, i) => m.handle(messageUpdate({ from: { id }, text: i % 2 === 0 ? '/top' : `/top losers ${1 + (i % 50)}` }))));
    expect(m.stub.requestsTo(TICKER_ROUTE)).toHaveLength(1);
    const replies = CROWD.map((id) => m.api.messages(id));
    expect(replies.every((r) => r.length === 1 && r[0]!.text!.startsWith('<b>Top '))).toBe(true);
    expect(new Set(CROWD.filter((_, i) => i % 2 === 0).map((id) => m.api.messages(id)[0]!.text)).size).toBe(1);
  });
});
