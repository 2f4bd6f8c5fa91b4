/**
 * The plan part of /buy (DESIGN.md §2 "Orders with a plan"): `sl=STOP`, `tp=TARGET` and
 * `risk=N%|VALUE` in place of AMOUNT. Keyed words, so they may come in any order after the pair,
 * and none of them can be mistaken for an amount or a price. Shapes are checked here; what they
 * mean against the market (a stop above the price, a target below it) is the pricing's to refuse,
 * with the numbers.
 */
import { gt, gte, isZero } from '../decimal.js';
import type { BracketRequest, RiskSpec, StopSpec, TargetSpec } from '../trading/brackets/bracket-types.js';
import { isStopInterval, STOP_INTERVALS, type StopInterval } from '../trading/stops/stop-intervals.js';
import { argumentError, parseAmount, parsePositiveDecimal, parsePrice, quoteInput, resolveAmountAsset } from './command-args.js';
import type { CommandSpec } from './command-table.js';
import { resolveSymbol, type SymbolCatalog } from './symbol-arg.js';

const KEYS = ['sl', 'tp', 'risk'] as const;
type Key = (typeof KEYS)[number];

/** True when the /buy arguments carry a plan (any `key=value` word). */
export const hasPlanArguments = (tokens: readonly string[]): boolean => tokens.some((t) => t.includes('='));

export async function parseBracketRequest(catalog: SymbolCatalog, spec: CommandSpec, tokens: readonly string[], defaultInterval: StopInterval): Promise<BracketRequest> {
  const keyed = new Map<Key, string>();
  const positional: string[] = [];
  for (const token of tokens) {
    const at = token.indexOf('=');
    if (at < 0) {
      positional.push(token);
      continue;
    }
    const key = token.slice(0, at).toLowerCase();
    const value = token.slice(at + 1);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw argumentError(spec, `"${quoteInput(token)}" is not an option of /buy: use sl= (stop), tp= (target) or risk= (size by risk).`);
    }
    if (keyed.has(key as Key)) throw argumentError(spec, `${key}= is given twice.`);
    if (value === '') throw argumentError(spec, `${key}= needs a value, e.g. ${key === 'sl' ? 'sl=3%' : key === 'tp' ? 'tp=2R' : 'risk=1%'}.`);
    keyed.set(key as Key, value);
  }
  const riskToken = keyed.get('risk');
  const slToken = keyed.get('sl');
  const tpToken = keyed.get('tp');
  if (riskToken !== undefined && slToken === undefined) {
    throw argumentError(spec, 'risk= sizes the order from the distance between the entry and the stop: add a stop with sl=.', '/buy BTCUSDT risk=1% sl=fractal tp=2R');
  }
  // With risk= the size is the risk's: the words left are SYMBOL [PRICE].
  const sizeSlots = riskToken === undefined ? 1 : 0;
  if (positional.length < 1 + sizeSlots) {
    throw argumentError(spec, positional.length === 0 ? 'SYMBOL is missing: name the pair first.' : 'AMOUNT is missing: give a quantity, an amount (100USDT) or risk=1%.');
  }
  if (positional.length > 2 + sizeSlots) throw argumentError(spec, `Too many arguments: "${quoteInput(positional.slice(2 + sizeSlots).join(' '))}" is not expected.`);
  const [symbolToken, ...rest] = positional as [string, ...string[]];
  const amountToken = sizeSlots === 1 ? rest[0] : undefined;
  const priceToken = rest[sizeSlots];

  const amount = amountToken === undefined ? undefined : parseAmount(spec, amountToken, { allowShareOfBalance: false });
  const price = priceToken === undefined ? undefined : parsePrice(spec, priceToken);
  const risk = riskToken === undefined ? undefined : parseRisk(spec, riskToken);
  const stop = slToken === undefined ? undefined : parseStop(spec, slToken, defaultInterval);
  const target = tpToken === undefined ? undefined : parseTarget(spec, tpToken);
  if (target?.kind === 'risk-multiple' && stop === undefined) {
    throw argumentError(spec, `tp=${quoteInput(tpToken!)} is a multiple of the risk, which the stop sets: add sl=.`, '/buy BTCUSDT 100USDT sl=3% tp=2R');
  }
  const info = await resolveSymbol(catalog, spec, symbolToken);
  return {
    symbol: info.symbol,
    size: risk ? { kind: 'risk', risk } : { kind: 'amount', amount: resolveAmountAsset(spec, amount!, info) },
    ...(price !== undefined ? { price } : {}),
    ...(stop ? { stop } : {}),
    ...(target ? { target } : {}),
  };
}

/** `1%` of the net value, or an amount of VALUATION_ASSET: `50`, `$50`, `50USDT`. */
export function parseRisk(spec: CommandSpec, token: string): RiskSpec {
  if (token.endsWith('%')) {
    const percent = parsePositiveDecimal(spec, token.slice(0, -1), 'risk percentage');
    if (gt(percent, '100')) throw argumentError(spec, `risk=${quoteInput(token)} is more than the whole account.`);
    return { kind: 'percent', percent };
  }
  const asset = /[A-Za-z][A-Za-z0-9]*$/.exec(token.replace(/^\$/, ''))?.[0];
  const number = token.replace(/^\$/, '').slice(0, asset === undefined ? undefined : -asset.length);
  return { kind: 'value', value: parsePositiveDecimal(spec, number, 'risk amount'), ...(asset !== undefined ? { asset: asset.toUpperCase() } : {}) };
}

function parseStop(spec: CommandSpec, token: string, defaultInterval: StopInterval): StopSpec {
  const [word = '', ...parts] = token.toLowerCase().split(':');
  if (word === 'fractal') {
    if (parts.length > 1) throw argumentError(spec, `sl=${quoteInput(token)}: write sl=fractal or sl=fractal:1h.`);
    return { kind: 'fractal', interval: parts[0] === undefined ? defaultInterval : interval(spec, parts[0], token) };
  }
  if (word === 'atr') {
    if (parts.length > 2) throw argumentError(spec, `sl=${quoteInput(token)}: write sl=atr, sl=atr:3 or sl=atr:3:1h.`);
    const multiple = parts[0] === undefined || parts[0] === '' ? '2' : parsePositiveDecimal(spec, parts[0], 'ATR multiple');
    return { kind: 'atr', multiple, interval: parts[1] === undefined ? defaultInterval : interval(spec, parts[1], token) };
  }
  if (parts.length > 0) throw argumentError(spec, `sl=${quoteInput(token)} is not a stop: use a price (sl=61000), a percentage (sl=3%), sl=fractal or sl=atr.`);
  if (token.endsWith('%')) {
    const percent = parsePositiveDecimal(spec, token.slice(0, -1), 'stop percentage');
    if (gte(percent, '100')) throw argumentError(spec, `sl=${quoteInput(token)} puts the stop at or below zero.`);
    return { kind: 'percent', percent };
  }
  if (!/^[\d.]/.test(token)) throw argumentError(spec, `sl=${quoteInput(token)} is not a stop: use a price (sl=61000), a percentage (sl=3%), sl=fractal or sl=atr.`);
  return { kind: 'price', price: parsePositiveDecimal(spec, token, 'stop price') };
}

export function parseTarget(spec: CommandSpec, token: string): TargetSpec {
  if (/r$/i.test(token)) {
    const multiple = parsePositiveDecimal(spec, token.slice(0, -1), 'reward multiple');
    if (isZero(multiple)) throw argumentError(spec, 'The reward multiple must be greater than zero.');
    return { kind: 'risk-multiple', multiple };
  }
  if (token.endsWith('%')) return { kind: 'percent', percent: parsePositiveDecimal(spec, token.slice(0, -1), 'target percentage') };
  if (!/^[\d.]/.test(token)) throw argumentError(spec, `tp=${quoteInput(token)} is not a target: use a price (tp=70000), a percentage (tp=5%) or a multiple of the risk (tp=2R).`);
  return { kind: 'price', price: parsePositiveDecimal(spec, token, 'target price') };
}

function interval(spec: CommandSpec, value: string, token: string): StopInterval {
  // Minutes and months differ only by case (1m, 1M): the interval keeps the case it was typed in.
  const typed = token.split(':').find((part) => part.toLowerCase() === value) ?? value;
  if (isStopInterval(typed)) return typed;
  throw argumentError(spec, `"${quoteInput(typed)}" is not an interval a stop can follow. Use one of ${STOP_INTERVALS.join(', ')}.`);
}
