/**
 * The feature registry (src/bot/features/index.ts): every command and button has one feature,
 * one handler and one chat scope; two features cannot claim one prefix, kind or command; and
 * every feature's schema reads back what it writes.
 */
import { Composer } from 'grammy';
import { describe, expect, it } from 'vitest';
import { BUTTON_SCOPES, COMMAND_SCOPES } from '../../src/bot/chat-scope.js';
import { COMMANDS } from '../../src/bot/command-table.js';
import { decodeCallback } from '../../src/bot/callback-data.js';
import { defineButtons, defineFeature, type FeatureEnv } from '../../src/bot/features/feature.js';
import { buildRegistry, buttonHandlers, featureRegistry, type RegisteredFeature } from '../../src/bot/features/index.js';
import { orderCardButtons } from '../../src/bot/features/orders.js';
import { htmlParseMode } from '../../src/bot/html-mode.js';

const env = { deps: { settings: {}, logger: { child: () => ({}) } }, tickers: {}, confirmations: {}, commands: COMMANDS } as unknown as FeatureEnv;

describe('feature registry', () => {
  const registry = featureRegistry();

  it('lists every command once, in the /help order, and the fallback last', () => {
    expect(registry.commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    expect(registry.commands.map((c) => c.name)).toEqual([
      'start', 'help', 'balance', 'orders', 'price', 'top', 'ta', 'fractals', 'buy', 'sell', 'stop', 'stops', 'tp', 'cancel', 'pause', 'resume', 'status', 'alerts', 'alert', 'positions', 'pnl', 'trades', 'equity', 'daily', 'weekly', 'monthly', 'report', 'app', 'backtest', 'signal',
    ]);
    expect(registry.features.at(-1)!.name).toBe('unknown');
    expect(registry.features.at(-1)!.commands).toEqual([]);
  });

  it('gives every button kind a schema, a handler and a chat scope, and every command a scope', () => {
    const kinds = [...registry.byKind.keys()].sort();
    expect(kinds).toEqual(Object.keys(BUTTON_SCOPES).sort());
    expect(Object.keys(buttonHandlers(env, registry)).sort()).toEqual(kinds);
    expect(registry.commands.map((c) => c.name).sort()).toEqual(Object.keys(COMMAND_SCOPES).sort());
  });

  it('keeps the wire prefixes of version 1', () => {
    const v1 = ['a', 'b', 'k', 'm', 'n', 'oc', 'od', 'r:b', 'r:o', 'r:p', 'r:s', 'r:x', 't'];
    // Later features added theirs; none of version 1 changed.
    expect([...registry.byPrefix.keys()].sort()).toEqual([...v1, 'lk', 'lp', 'lq', 'lr', 'lt', 'pd', 'r:pd', 'r:q', 'r:sg', 'bk', 'pa:b', 'pa:c', 'pa:x', 'r:pa'].sort());
  });

  it('refuses two features claiming one prefix, kind or command', () => {
    const feature = (name: string, prefix: string, kind: string, command?: string): RegisteredFeature =>
      defineFeature({
        name,
        commands: command ? [{ name: command, description: command, usage: `/${command}`, example: `/${command}`, details: [] }] : [],
        composer: () => new Composer(),
        buttons: defineButtons({ prefixes: [prefix], kinds: [kind], encode: () => prefix, decode: () => ({ kind }) }),
      }) as unknown as RegisteredFeature;
    expect(() => buildRegistry([feature('one', 'z', 'zed'), feature('two', 'z', 'other')])).toThrow(/prefix "z"/);
    expect(() => buildRegistry([feature('one', 'z', 'zed'), feature('two', 'y', 'zed')])).toThrow(/kind "zed"/);
    expect(() => buildRegistry([feature('one', 'z', 'zed', 'go'), feature('two', 'y', 'why', 'go')])).toThrow(/\/go/);
  });

  it('a card schema decodes what it encodes, and a checked encode refuses what would not decode', () => {
    const data = orderCardButtons.encode({ kind: 'confirm-order', intentId: 'AbC_12-xyzAbC_12' });
    expect(decodeCallback(data)).toEqual({ ok: true, action: { kind: 'confirm-order', intentId: 'AbC_12-xyzAbC_12' } });
    const broken = defineButtons<{ kind: 'x' }>({ prefixes: ['x'], kinds: ['x'], encode: () => 'x:1', decode: () => undefined });
    expect(() => broken.encode({ kind: 'x' })).toThrow(RangeError);
    const long = defineButtons<{ kind: 'x' }>({ prefixes: ['x'], kinds: ['x'], encode: () => `x:${'a'.repeat(70)}`, decode: () => ({ kind: 'x' }) });
    expect(() => long.encode({ kind: 'x' })).toThrow(/64 bytes/);
  });
});

describe('htmlParseMode', () => {
  const seen: unknown[] = [];
  const prev = ((method: string, payload: unknown) => {
    seen.push([method, payload]);
    return Promise.resolve({ ok: true, result: true });
  }) as unknown as Parameters<typeof htmlParseMode>[0];

  it('sets HTML on texts and captions that do not choose, and leaves everything else alone', async () => {
    seen.length = 0;
    await htmlParseMode(prev, 'sendMessage', { chat_id: 1, text: '<b>x</b>' });
    await htmlParseMode(prev, 'sendMessage', { chat_id: 1, text: '*x*', parse_mode: 'MarkdownV2' });
    await htmlParseMode(prev, 'editMessageText', { chat_id: 1, message_id: 2, text: 'y' });
    await htmlParseMode(prev, 'answerCallbackQuery', { callback_query_id: 'q' });
    expect(seen).toEqual([
      ['sendMessage', { chat_id: 1, text: '<b>x</b>', parse_mode: 'HTML' }],
      ['sendMessage', { chat_id: 1, text: '*x*', parse_mode: 'MarkdownV2' }],
      ['editMessageText', { chat_id: 1, message_id: 2, text: 'y', parse_mode: 'HTML' }],
      ['answerCallbackQuery', { callback_query_id: 'q' }],
    ]);
  });
});
