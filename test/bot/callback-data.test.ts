import { describe, expect, it } from 'vitest';
import { CALLBACK_DATA_MAX_BYTES, UNRECOGNISED_BUTTON, decodeCallback, encodeCallback, type CallbackAction } from '../../src/bot/callback-data.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('callback data codec', () => {
  const actions: CallbackAction[] = [
    { kind: 'confirm-order', intentId: 'AbC_12-xyzAbC_12' },
    { kind: 'dismiss-order', intentId: 'AbC_12-xyzAbC_12' },
    { kind: 'cancel-order', symbol: 'BTCUSDT', orderId: 12345678901, ownerId: 987654321 },
    { kind: 'cancel-order', symbol: '币安人生USDT', orderId: 7, ownerId: 1 },
    { kind: 'confirm-cancel', cancelId: 'q1w2e3r4t5y6u7i8' },
    { kind: 'dismiss-cancel', cancelId: 'q1w2e3r4t5y6u7i8' },
    { kind: 'balance-all' },
  ];

  it.each(actions)('round-trips %j within 64 bytes', (action) => {
    const data = encodeCallback(action);
    expect(bytes(data)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
    expect(decodeCallback(data)).toEqual({ ok: true, action });
  });

  it('uses the short documented layouts', () => {
    expect(encodeCallback({ kind: 'confirm-order', intentId: 'AbC_12-xyzAbC_12' })).toBe('oc:AbC_12-xyzAbC_12');
    expect(encodeCallback({ kind: 'dismiss-order', intentId: 'AbC_12-xyzAbC_12' })).toBe('od:AbC_12-xyzAbC_12');
    expect(encodeCallback({ kind: 'cancel-order', symbol: 'ETHUSDT', orderId: 42, ownerId: 7 })).toBe('k:ETHUSDT:42:7');
  });

  it('drops a symbol that would push the data over 64 bytes and keeps the order id', () => {
    const longSymbol = '亿'.repeat(20); // 60 bytes in UTF-8
    const data = encodeCallback({ kind: 'cancel-order', symbol: longSymbol, orderId: Number.MAX_SAFE_INTEGER, ownerId: 999_999_999_999_999 });
    expect(bytes(data)).toBeLessThanOrEqual(CALLBACK_DATA_MAX_BYTES);
    expect(decodeCallback(data)).toEqual({
      ok: true,
      action: { kind: 'cancel-order', symbol: undefined, orderId: Number.MAX_SAFE_INTEGER, ownerId: 999_999_999_999_999 },
    });
  });

  it('refuses to encode ids that could not round-trip', () => {
    expect(() => encodeCallback({ kind: 'confirm-order', intentId: 'has:colon' })).toThrow(RangeError);
    expect(() => encodeCallback({ kind: 'confirm-order', intentId: 'x'.repeat(41) })).toThrow(RangeError);
    expect(() => encodeCallback({ kind: 'cancel-order', symbol: 'BTCUSDT', orderId: -1, ownerId: 1 })).toThrow(RangeError);
    expect(() => encodeCallback({ kind: 'cancel-order', symbol: 'BTCUSDT', orderId: 2 ** 60, ownerId: 1 })).toThrow(RangeError);
  });

  it.each([
    ['empty', ''],
    ['undefined', undefined],
    ['unknown kind', 'z:abc'],
    ['missing id', 'oc:'],
    ['short intent id', 'oc:abc'],
    ['extra field', 'oc:AbC_12-xyzAbC_12:def'],
    ['id with HTML', 'oc:<b>x</b>AbC_12-xyz'],
    ['id with unicode', 'od:ïntentïntentïnt'],
    ['over 64 bytes', `oc:${'a'.repeat(63)}`],
    ['missing cancel id', 'm:'],
    ['cancel id with colon', 'n:a:b'],
    ['negative order id', 'k:BTCUSDT:-5:1'],
    ['order id with exponent', 'k:BTCUSDT:1e5:1'],
    ['unsafe integer', 'k:BTCUSDT:99999999999999999:1'],
    ['leading zero', 'k:BTCUSDT:007:1'],
    ['lower-case symbol', 'k:btcusdt:5:1'],
    ['symbol with slash', 'k:BTC/USDT:5:1'],
    ['missing owner', 'k:BTCUSDT:5'],
    ['balance junk', 'b:everything'],
    ['JSON', '{"kind":"confirm-order"}'],
  ])('refuses %s with a plain reason', (_, data) => {
    expect(decodeCallback(data)).toEqual({ ok: false, reason: UNRECOGNISED_BUTTON });
  });

  it('gives a reason short enough for answerCallbackQuery (≤ 200 characters)', () => {
    expect(UNRECOGNISED_BUTTON.length).toBeLessThanOrEqual(200);
  });
});
