/**
 * Telegram text → typed command arguments (external input is validated at the edge:
 * docs/ARCHITECTURE.md). Every refusal is an AppError BOT_BAD_ARGUMENTS whose userMessage says
 * what was wrong, then the command's usage line and an example (DESIGN.md §2): never a stack
 * trace, never a guess.
 *
 * Numbers are what Binance accepts in shape (`^([0-9]{1,20})(\.[0-9]{1,20})?$`, BINANCE.md
 * "Filters"): no exponent, no sign, no thousands separator, no decimal comma. A phone keyboard
 * makes "0,01" and "1e-3" easy to type, and reading either the wrong way sends a different
 * order, so they are refused with the reason rather than interpreted.
 */
import { gt, isPositive, normalize } from '../decimal.js';
import { AppError } from '../errors.js';
import type { AmountSpec } from '../trading/types.js';
import type { CommandSpec } from './features/feature.js';

/** Longest piece of user input quoted back in a message. */
const QUOTE_LIMIT = 24;

/** The user's token, shortened for quoting back (the reply escapes it). */
export function quoteInput(token: string): string {
  const chars = [...token];
  return chars.length > QUOTE_LIMIT ? `${chars.slice(0, QUOTE_LIMIT).join('')}…` : token;
}

/** The refusal every parser throws: the problem, then usage and an example (the command's own unless one fits the input better). */
export function argumentError(spec: CommandSpec, problem: string, example = spec.example): AppError {
  return new AppError('BOT_BAD_ARGUMENTS', `/${spec.name}: ${problem}`, {
    userMessage: `${problem}\nUsage: ${spec.usage}\nExample: ${example}`,
  });
}

/** Splits the text after the command on any whitespace (a no-break space from a phone included). */
export function tokenize(match: string): string[] {
  const trimmed = match.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/u);
}

/**
 * Checks the argument count against `min`..`max`, with a reason naming what is missing (by the
 * names of the usage line) or what is extra.
 */
export function expectTokens(spec: CommandSpec, tokens: string[], min: number, max: number): void {
  if (tokens.length < min) throw missingArguments(spec, tokens, min);
  if (tokens.length > max) throw argumentError(spec, `Too many arguments: "${quoteInput(tokens.slice(max).join(' '))}" is not expected.`);
}

/** `/sell SYMBOL AMOUNT|all|N% [PRICE]` → `['SYMBOL', 'AMOUNT|all|N%']`: the arguments that must be given. */
export function requiredSlots(spec: CommandSpec): string[] {
  return spec.usage
    .split(/\s+/)
    .slice(1)
    .filter((slot) => !slot.startsWith('['));
}

/** `AMOUNT|all|N%` → "AMOUNT, all or N%". */
const slotText = (slot: string): string => {
  const choices = slot.split('|');
  return choices.length === 1 ? slot : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
};

/**
 * A symbol is letters and digits, starts with a letter and is never one of the command's own
 * words: "all", "50%", "$100", "0.01" or "fractal" given alone are the argument after SYMBOL.
 */
function cannotBeSymbol(spec: CommandSpec, token: string): boolean {
  const words = spec.usage.split(/[\s|[\]]+/).filter((w) => /^[a-z]+$/.test(w));
  return !/^[\p{L}]/u.test(token) || words.includes(token.toLowerCase());
}

function missingArguments(spec: CommandSpec, tokens: string[], min: number): AppError {
  const slots = requiredSlots(spec).slice(0, min);
  // The usual slip is leaving out the pair ("/sell all"): then SYMBOL is what is missing, and
  // the example is what was typed with a pair put in front.
  const symbolFirst = slots[0] === 'SYMBOL' && tokens.length > 0 && cannotBeSymbol(spec, tokens[0]!);
  const missing = symbolFirst ? ['SYMBOL', ...slots.slice(tokens.length + 1)] : slots.slice(tokens.length);
  // Several at once are named by their first choice; the usage line below shows the others.
  const firsts = missing.map((slot) => slot.split('|')[0]!);
  const names = missing.length === 1 ? slotText(missing[0]!) : `${firsts.slice(0, -1).join(', ')} and ${firsts[firsts.length - 1]}`;
  const problem = `${names} ${missing.length === 1 ? 'is' : 'are'} missing`;
  if (!symbolFirst) return argumentError(spec, `${problem}.`);
  const exampleSymbol = spec.example.split(/\s+/)[1] ?? 'BTCUSDT';
  return argumentError(spec, `${problem}: name the pair first.`, `/${spec.name} ${exampleSymbol} ${quoteInput(tokens.join(' '))}`);
}

const PLAIN_DECIMAL = /^(\d{0,20})(?:\.(\d{0,20}))?$/;

/**
 * A strictly positive plain decimal → canonical string ("000.50" → "0.5"). `.5` and `5.` are
 * accepted (they can only mean one thing); everything ambiguous is refused with the reason.
 */
export function parsePositiveDecimal(spec: CommandSpec, token: string, what: string): string {
  const quoted = quoteInput(token);
  const m = PLAIN_DECIMAL.exec(token);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) {
    if (/^[+\-−]/u.test(token)) throw argumentError(spec, `The ${what} "${quoted}" must be a positive number without a sign.`);
    if (/^[\d.]*\d[eE][+-]?\d+$/.test(token)) throw argumentError(spec, `The ${what} "${quoted}" uses an exponent: write the number out in full, e.g. 0.001.`);
    if (/^[\d.,]+$/.test(token) && token.includes(',')) {
      throw argumentError(spec, `The ${what} "${quoted}" has a comma: use a dot for decimals and no thousands separators, e.g. 1500.5.`);
    }
    if (/^\d+(\.\d+)?$/.test(token)) throw argumentError(spec, `The ${what} "${quoted}" has too many digits (at most 20 before and 20 after the point).`);
    throw argumentError(spec, `The ${what} "${quoted}" is not a number.`);
  }
  const canonical = normalize(`${m[1] || '0'}${m[2] ? `.${m[2]}` : ''}`);
  if (!isPositive(canonical)) throw argumentError(spec, `The ${what} must be greater than zero.`);
  return canonical;
}

export type ParsedAmount =
  | AmountSpec
  /** `0.01BTC`: a number with an asset named; the command decides whether it is base or quote. */
  | { kind: 'asset'; value: string; asset: string };

const ASSET_SUFFIX = /^(.*?\d\.?)([A-Za-z][A-Za-z0-9]{0,19})$/;

/**
 * AMOUNT of /buy and /sell: `0.01` (base), `100USDT` (named asset), `$100` (quote), and for
 * selling `all` and `50%` (of the free base balance).
 */
export function parseAmount(spec: CommandSpec, token: string, options: { allowShareOfBalance: boolean }): ParsedAmount {
  const lower = token.toLowerCase();
  if (lower === 'all') {
    if (!options.allowShareOfBalance) throw argumentError(spec, '"all" can only be used to sell: give an amount to buy, e.g. 100USDT.');
    return { kind: 'all' };
  }
  if (token.endsWith('%')) {
    if (!options.allowShareOfBalance) throw argumentError(spec, 'A percentage can only be used to sell: give an amount to buy, e.g. 100USDT.');
    const percent = parsePositiveDecimal(spec, token.slice(0, -1), 'percentage');
    if (gt(percent, '100')) throw argumentError(spec, `The percentage ${percent}% is over 100%.`);
    return { kind: 'percent', percent };
  }
  if (token.startsWith('$')) return { kind: 'quote', quoteQty: parsePositiveDecimal(spec, token.slice(1), 'amount') };
  const named = ASSET_SUFFIX.exec(token);
  if (named && !/^[\d.]*\d[eE]\d*$/.test(token)) {
    const [, number = '', asset = ''] = named;
    return { kind: 'asset', value: parsePositiveDecimal(spec, number, 'amount'), asset: asset.toUpperCase() };
  }
  return { kind: 'base', quantity: parsePositiveDecimal(spec, token, 'amount') };
}

/**
 * Resolves an amount with a named asset against the symbol's pair: `0.01BTC` on BTCUSDT is a
 * base quantity, `100USDT` a quote amount; any other asset is refused (no silent conversion).
 */
export function resolveAmountAsset(
  spec: CommandSpec,
  amount: ParsedAmount,
  pair: { symbol: string; baseAsset: string; quoteAsset: string },
): AmountSpec {
  if (amount.kind !== 'asset') return amount;
  if (amount.asset === pair.baseAsset) return { kind: 'base', quantity: amount.value };
  if (amount.asset === pair.quoteAsset) return { kind: 'quote', quoteQty: amount.value, asset: pair.quoteAsset };
  throw argumentError(
    spec,
    `${pair.symbol} trades ${pair.baseAsset} for ${pair.quoteAsset}: give the amount in ${pair.baseAsset} or ${pair.quoteAsset}, not ${quoteInput(amount.asset)}.`,
  );
}

/** PRICE of /buy and /sell (a LIMIT price): a positive plain decimal. */
export function parsePrice(spec: CommandSpec, token: string): string {
  return parsePositiveDecimal(spec, token.startsWith('@') ? token.slice(1) : token, 'price');
}

/** A Binance order id: a positive integer that fits in a JS number exactly. */
export function parseOrderId(token: string): number | undefined {
  if (!/^[1-9]\d{0,15}$/.test(token)) return undefined;
  const value = Number(token);
  return Number.isSafeInteger(value) ? value : undefined;
}
