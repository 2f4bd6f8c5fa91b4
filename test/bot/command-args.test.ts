import { describe, expect, it } from 'vitest';
import {
  expectTokens,
  parseAmount,
  parseOrderId,
  parsePositiveDecimal,
  parsePrice,
  resolveAmountAsset,
  tokenize,
} from '../../src/bot/command-args.js';
import { commandSpec } from '../../src/bot/command-table.js';
import { AppError } from '../../src/errors.js';

const buy = commandSpec('buy');
const sell = commandSpec('sell');

/** The refusal a parser throws: BOT_BAD_ARGUMENTS with the usage line and an example. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe('BOT_BAD_ARGUMENTS');
    expect(e.userMessage).toContain(`Usage: ${e.message.startsWith('/sell') ? sell.usage : buy.usage}`);
    expect(e.userMessage).toMatch(/Example: \/(buy|sell) /);
    expect(e.userMessage).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    return e.userMessage;
  }
  throw new Error('expected a refusal');
}

describe('tokenize', () => {
  it('splits on any whitespace, a phone no-break space included', () => {
    expect(tokenize('  BTCUSDT\u00a0 100USDT\t60000 \n')).toEqual(['BTCUSDT', '100USDT', '60000']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   ')).toEqual([]);
  });

  it('counts arguments with a reason', () => {
    // The refusal names what is missing, by the usage line's names.
    expect(refusal(() => expectTokens(buy, [], 2, 3))).toMatch(/^SYMBOL and AMOUNT are missing\.\nUsage: /);
    expect(refusal(() => expectTokens(buy, ['BTCUSDT'], 2, 3))).toMatch(/^AMOUNT is missing\./);
    expect(refusal(() => expectTokens(sell, ['btcusdt'], 2, 3))).toMatch(/^AMOUNT, all or N% is missing\./);
    expect(refusal(() => expectTokens(sell, [], 2, 3))).toMatch(/^SYMBOL and AMOUNT are missing\.\nUsage: \/sell SYMBOL AMOUNT\|all\|N% \[PRICE\]\n/);
    expect(refusal(() => expectTokens(buy, ['a', 'b', 'c', 'extra', 'more'], 2, 3))).toMatch(/^Too many arguments: "extra more"/);
  });
});

describe('a missing SYMBOL', () => {
  it.each([
    ['/sell all', sell, ['all'], 'Example: /sell BTCUSDT all'],
    ['/sell 50%', sell, ['50%'], 'Example: /sell BTCUSDT 50%'],
    ['/buy 100USDT', buy, ['100USDT'], 'Example: /buy BTCUSDT 100USDT'],
    ['/buy $100', buy, ['$100'], 'Example: /buy BTCUSDT $100'],
  ])('%s names SYMBOL and shows the input with a pair in front', (_, spec, tokens, example) => {
    const text = refusal(() => expectTokens(spec, tokens, 2, 3));
    expect(text.split('\n')).toEqual(['SYMBOL is missing: name the pair first.', `Usage: ${spec.usage}`, example]);
  });

  it('reads a lone word that can be a symbol as the symbol', () => {
    expect(refusal(() => expectTokens(sell, ['ETHUSDT'], 2, 3))).toMatch(/^AMOUNT, all or N% is missing\.\n/);
  });
});

describe('numbers', () => {
  it.each([
    ['0.01', '0.01'],
    ['000.0100', '0.01'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['100', '100'],
    ['12345678901234567890.12345678901234567890', '12345678901234567890.1234567890123456789'],
  ])('accepts %s as %s', (input, expected) => {
    expect(parsePositiveDecimal(buy, input, 'amount')).toBe(expected);
  });

  it.each([
    ['1e3', /exponent/],
    ['1E-3', /exponent/],
    ['2.5e+2', /exponent/],
    ['-1', /positive number without a sign/],
    ['-0', /without a sign/],
    ['−1', /without a sign/], // U+2212 minus sign
    ['+1', /without a sign/],
    ['0', /greater than zero/],
    ['0.000', /greater than zero/],
    ['0,01', /comma/],
    ['1,000', /comma/],
    ['123456789012345678901', /too many digits/],
    ['1.123456789012345678901', /too many digits/],
    ['NaN', /not a number/],
    ['Infinity', /not a number/],
    ['0x10', /not a number/],
    ['1_000', /not a number/],
    ['１２', /not a number/], // full-width digits
    ['٣', /not a number/], // Arabic-Indic digit
    ['.', /not a number/],
    ['', /not a number/],
    ['1.2.3', /not a number/],
  ])('refuses %s', (input, reason) => {
    expect(refusal(() => parsePositiveDecimal(buy, input, 'amount'))).toMatch(reason);
  });

  it('quotes long or hostile input shortened, for the reply to escape', () => {
    const message = refusal(() => parsePositiveDecimal(buy, `<b>${'9'.repeat(60)}</b>`, 'amount'));
    expect(message).toContain('"<b>999999999999999999999…"');
    expect(message.length).toBeLessThan(200);
  });

  it('parses a limit price, with or without @', () => {
    expect(parsePrice(buy, '60000.10')).toBe('60000.1');
    expect(parsePrice(buy, '@60000')).toBe('60000');
    expect(refusal(() => parsePrice(buy, '-60000'))).toMatch(/price/);
  });

  it('parses order ids that fit a JS number exactly', () => {
    expect(parseOrderId('12345')).toBe(12345);
    expect(parseOrderId('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ['0', '007', '-1', '1e3', '9007199254740993', '99999999999999999999', 'BTCUSDT']) expect(parseOrderId(bad)).toBeUndefined();
  });
});

describe('amounts', () => {
  it('reads a base quantity, a quote amount and a named asset', () => {
    expect(parseAmount(buy, '0.0012345', { allowShareOfBalance: false })).toEqual({ kind: 'base', quantity: '0.0012345' });
    expect(parseAmount(buy, '$100', { allowShareOfBalance: false })).toEqual({ kind: 'quote', quoteQty: '100' });
    expect(parseAmount(buy, '100USDT', { allowShareOfBalance: false })).toEqual({ kind: 'asset', value: '100', asset: 'USDT' });
    expect(parseAmount(buy, '100usdt', { allowShareOfBalance: false })).toEqual({ kind: 'asset', value: '100', asset: 'USDT' });
    expect(parseAmount(buy, '0.5ETH', { allowShareOfBalance: false })).toEqual({ kind: 'asset', value: '0.5', asset: 'ETH' });
  });

  it('reads all and N% for selling only', () => {
    expect(parseAmount(sell, 'all', { allowShareOfBalance: true })).toEqual({ kind: 'all' });
    expect(parseAmount(sell, 'ALL', { allowShareOfBalance: true })).toEqual({ kind: 'all' });
    expect(parseAmount(sell, '50%', { allowShareOfBalance: true })).toEqual({ kind: 'percent', percent: '50' });
    expect(parseAmount(sell, '12.5%', { allowShareOfBalance: true })).toEqual({ kind: 'percent', percent: '12.5' });
    expect(parseAmount(sell, '100%', { allowShareOfBalance: true })).toEqual({ kind: 'percent', percent: '100' });
    expect(refusal(() => parseAmount(buy, 'all', { allowShareOfBalance: false }))).toMatch(/only be used to sell/);
    expect(refusal(() => parseAmount(buy, '50%', { allowShareOfBalance: false }))).toMatch(/only be used to sell/);
    expect(refusal(() => parseAmount(sell, '100.01%', { allowShareOfBalance: true }))).toMatch(/over 100%/);
    expect(refusal(() => parseAmount(sell, '0%', { allowShareOfBalance: true }))).toMatch(/greater than zero/);
    expect(refusal(() => parseAmount(sell, '-5%', { allowShareOfBalance: true }))).toMatch(/without a sign/);
  });

  it('refuses exponents even where they look like an asset suffix', () => {
    expect(refusal(() => parseAmount(buy, '1e3', { allowShareOfBalance: false }))).toMatch(/exponent/);
    expect(refusal(() => parseAmount(buy, '1E5', { allowShareOfBalance: false }))).toMatch(/exponent/);
    expect(refusal(() => parseAmount(buy, '$1e3', { allowShareOfBalance: false }))).toMatch(/exponent/);
    expect(refusal(() => parseAmount(buy, '-100USDT', { allowShareOfBalance: false }))).toMatch(/without a sign/);
    expect(refusal(() => parseAmount(buy, '0USDT', { allowShareOfBalance: false }))).toMatch(/greater than zero/);
  });

  it('resolves a named asset against the pair, and refuses any other asset', () => {
    const pair = { symbol: 'BTCUSDT', baseAsset: 'BTC', quoteAsset: 'USDT' };
    expect(resolveAmountAsset(buy, { kind: 'asset', value: '0.01', asset: 'BTC' }, pair)).toEqual({ kind: 'base', quantity: '0.01' });
    expect(resolveAmountAsset(buy, { kind: 'asset', value: '100', asset: 'USDT' }, pair)).toEqual({ kind: 'quote', quoteQty: '100', asset: 'USDT' });
    expect(refusal(() => resolveAmountAsset(buy, { kind: 'asset', value: '100', asset: 'EUR' }, pair))).toMatch(
      /BTCUSDT trades BTC for USDT: give the amount in BTC or USDT, not EUR\./,
    );
    expect(resolveAmountAsset(buy, { kind: 'base', quantity: '1' }, pair)).toEqual({ kind: 'base', quantity: '1' });
  });
});
