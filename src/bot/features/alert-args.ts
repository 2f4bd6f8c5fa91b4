/**
 * The arguments of /alert (features/alert.ts): the symbol, one condition (a level, a move within a
 * window, an RSI level or a MACD cross on an interval) and `repeat`. Shapes are checked here, each
 * mistake answered with the usage and an example of the form the trader was writing; whether a
 * level is already past is the command's to refuse, with the price.
 */
import type { KlineInterval, SymbolInfo } from '../../binance/types.js';
import { gt } from '../../decimal.js';
import { DEFAULT_MOVE_WINDOW_MS, MAX_MOVE_WINDOW_MS, type PriceAlertCondition } from '../../alerts/price-alert-types.js';
import type { BotDeps } from '../bot-deps.js';
import { argumentError, parsePositiveDecimal, parsePrice, quoteInput } from '../command-args.js';
import { resolveSymbol } from '../symbol-arg.js';
import { DEFAULT_INTERVAL, type CommandSpec } from './feature.js';
import { parseInterval } from './ta.js';

/** The example each mistake is answered with: one of the form the trader was writing. */
export const ALERT_EXAMPLES = {
  level: '/alert BTCUSDT above 120000',
  move: '/alert BTCUSDT move 5% 1h',
  rsi: '/alert BTCUSDT rsi<30 4h',
  macd: '/alert BTCUSDT macd 1h',
  off: '/alert off 12',
};

/** `5m`, `1h`, `24h`, `1d` → ms, within 1 minute … 24 hours. */
function parseWindow(spec: CommandSpec, token: string): number {
  const m = /^(\d{1,4})(m|h|d)$/i.exec(token);
  const unit = m ? { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]!.toLowerCase() as 'm' | 'h' | 'd'] : undefined;
  const ms = m && unit ? Number(m[1]) * unit : NaN;
  if (!(ms >= 60_000 && ms <= MAX_MOVE_WINDOW_MS)) throw argumentError(spec, `"${quoteInput(token)}" is not a window: use 1m to 24h, e.g. 15m, 1h or 4h.`, ALERT_EXAMPLES.move);
  return ms;
}

export interface ParsedAlertCommand {
  info: SymbolInfo;
  condition: PriceAlertCondition;
  repeat: boolean;
}

/** `/alert BTCUSDT above 120000 repeat` → the condition, or BOT_BAD_ARGUMENTS with the usage and a fitting example. */
export async function parseAlertCommand(deps: Pick<BotDeps, 'exchangeInfo' | 'settings'>, spec: CommandSpec, tokens: string[]): Promise<ParsedAlertCommand> {
  const repeat = tokens.length > 2 && tokens[tokens.length - 1]!.toLowerCase() === 'repeat';
  const args = repeat ? tokens.slice(0, -1) : tokens;
  const [symbolToken, what = '', ...rest] = args as [string, string?, ...string[]];
  if (what === '') throw argumentError(spec, 'Say what to watch: above, below, move, rsi<N, rsi>N or macd.');
  const word = what.toLowerCase();
  const tooMany = (max: number, example: string) => {
    if (rest.length > max) throw argumentError(spec, `Too many arguments: "${quoteInput(rest.slice(max).join(' '))}" is not expected.`, example);
  };
  let condition: PriceAlertCondition;
  const defaultInterval: KlineInterval = deps.settings.stopDefaultInterval ?? DEFAULT_INTERVAL;
  if (word === 'above' || word === 'below') {
    if (rest[0] === undefined) throw argumentError(spec, `PRICE is missing after ${word}.`, ALERT_EXAMPLES.level);
    tooMany(1, ALERT_EXAMPLES.level);
    condition = { kind: word, level: parsePrice(spec, rest[0]) };
  } else if (word === 'move') {
    const pctToken = rest[0];
    if (pctToken === undefined || !pctToken.endsWith('%')) throw argumentError(spec, 'Give the move as a percentage, e.g. 5%.', ALERT_EXAMPLES.move);
    tooMany(2, ALERT_EXAMPLES.move);
    const pct = parsePositiveDecimal(spec, pctToken.slice(0, -1), 'percentage');
    if (!gt('100', pct)) throw argumentError(spec, `A move of ${pct}% cannot happen downwards: use less than 100%.`, ALERT_EXAMPLES.move);
    condition = { kind: 'move', pct, windowMs: rest[1] === undefined ? DEFAULT_MOVE_WINDOW_MS : parseWindow(spec, rest[1]) };
  } else if (/^rsi[<>]/.test(word)) {
    const level = word.slice(4);
    if (!/^\d{1,2}(\.\d{1,2})?$/.test(level) || !gt(level, '0')) throw argumentError(spec, `RSI runs from 0 to 100: give a level between, e.g. rsi<30 or rsi>70.`, ALERT_EXAMPLES.rsi);
    tooMany(1, ALERT_EXAMPLES.rsi);
    condition = { kind: 'rsi', op: word[3] as '<' | '>', level, interval: rest[0] === undefined ? defaultInterval : parseInterval(spec, rest[0]) };
  } else if (word === 'macd') {
    tooMany(1, ALERT_EXAMPLES.macd);
    condition = { kind: 'macd', interval: rest[0] === undefined ? defaultInterval : parseInterval(spec, rest[0]) };
  } else if (word === 'rsi') {
    throw argumentError(spec, 'Write the RSI level with its side, e.g. rsi<30 or rsi>70.', ALERT_EXAMPLES.rsi);
  } else {
    throw argumentError(spec, `"${quoteInput(what)}" is not a condition: use above, below, move, rsi<N, rsi>N or macd.`);
  }
  const info = await resolveSymbol(deps.exchangeInfo, spec, symbolToken);
  return { info, condition, repeat };
}
