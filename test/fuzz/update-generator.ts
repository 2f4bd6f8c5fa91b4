/**
 * Generated Telegram updates for the bot fuzz (test/fuzz/bot-fuzz.test.ts): command texts with
 * random, hostile and near-valid arguments, and button presses with forged or foreign callback
 * data, all shaped like real updates (messageUpdate / callbackUpdate, field layout as in
 * ../shared/fixtures/telegram). Everything follows from the Prng, so a failing case reproduces.
 */
import { callbackUpdate, messageUpdate, type UpdateUser } from '../support/fake-bot-api.js';
import type { Prng } from './prng.js';

export interface FuzzTargets {
  /** Users who send the fuzz (on the allow-list). */
  senders: readonly UpdateUser[];
  /** Live intent ids of another allowed user: pressing them must be refused. */
  foreignIntentIds: () => readonly string[];
  /** Message ids of the bot in a sender's chat (so presses sometimes land on real messages). */
  botMessageIds: (chatId: number) => readonly number[];
  botUsername: string;
}

export interface FuzzCase {
  kind: 'command' | 'text' | 'callback';
  update: Record<string, unknown>;
  /** For failure messages. */
  summary: string;
}

const COMMANDS = ['start', 'help', 'balance', 'orders', 'price', 'buy', 'sell', 'cancel', 'pause', 'resume', 'status', 'top', 'ta', 'fractals'];
/** Rendering a chart is costly; a handful of them says what needs saying. */
const COMMAND_WEIGHTS: Record<string, number> = { buy: 6, sell: 6, price: 3, cancel: 3, help: 2, orders: 2, balance: 1, top: 1, status: 1, start: 1, pause: 0.3, resume: 0.3, ta: 0.15, fractals: 0.05 };
const SYMBOLS = ['BTCUSDT', 'btcusdt', 'BTC/USDT', 'BTC-USDT', 'ETHUSDT', 'ETH', 'USDT', 'BTCUSDC', 'XYZUSDT', '币安人生USDT', 'BTCUSDT'.repeat(8), 'BTC USDT', 'ＢＴＣＵＳＤＴ'];
const NUMBERS = [
  '0.001', '0.0012345', '1', '0', '-0', '-0.0', '+1', '-1', '00000.1', '.5', '5.', '1e3', '1E-3', '1e308', '1e-400', '9'.repeat(40),
  `1${'0'.repeat(400)}`, `0.${'0'.repeat(60)}1`, 'NaN', 'Infinity', '-Infinity', '1,000', '1_000', '0x10', '0b11', '１２３', '٣', '1.2.3',
  '$100', '$0', '$-5', '100USDT', '100usdt', '0USDT', '1e3USDT', '50%', '100%', '101%', '0%', '-5%', '1e2%', 'all', 'ALL', 'half',
];
const HTML = ['<b>', '</b>', '</code>', '<code>', '&amp;', '&lt;', '&', '<', '>', '<a href="javascript:alert(1)">x</a>', '<script>alert(1)</script>', '<tg-spoiler>', '"', "'", '&#0;', '&#xFFFFFF;'];
const UNICODE = ['😀', '👨‍👩‍👧‍👦', '\u202e', '\u200b', '\u200d', 'e\u0301', 'ﷺ', '𝕏', '\u0000', '\t', '\r\n', '\u2028', 'Ω', '中文', 'עברית', '\uFEFF'];
const INTERVALS = ['1m', '3m', '4h', '1d', '1w', '1M', '7x', '0m', '-1h', '1000000h', ''];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function randomString(prng: Prng, alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[prng.int(alphabet.length)];
  return out;
}

function randomUnicode(prng: Prng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const roll = prng.next();
    if (roll < 0.6) out += String.fromCharCode(0x20 + prng.int(0x5f));
    else if (roll < 0.8) out += prng.pick(UNICODE);
    else if (roll < 0.9) out += prng.pick(HTML);
    else out += String.fromCodePoint(0xa0 + prng.int(0x2fff - 0xa0));
  }
  return out;
}

function argument(prng: Prng): string {
  return prng.weighted<() => string>([
    [4, () => prng.pick(SYMBOLS)],
    [5, () => prng.pick(NUMBERS)],
    [2, () => prng.pick(HTML) + prng.pick(NUMBERS)],
    [1, () => prng.pick(INTERVALS)],
    [2, () => randomUnicode(prng, prng.between(1, 12))],
    [1, () => randomString(prng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', prng.between(1, 25))],
    [0.3, () => randomUnicode(prng, 4_000)],
    [0.3, () => prng.pick(NUMBERS).repeat(prng.between(2, 80))],
  ])();
}

/** /buy and /sell that come close to valid, so pricing, filters and cards run, not only the parser. */
function nearValidOrder(prng: Prng): string {
  const side = prng.pick(['buy', 'sell']);
  const symbol = prng.pick(['BTCUSDT', 'ETHUSDT', 'btcusdt', 'ETH/USDT']);
  const amount = prng.pick(['0.001', '0.0012345', '0.00001', '0.000001', '100', '$25', '25USDT', '10%', '100%', 'all', '-0', '1e-3', '0.1', '5000USDT', '$0.5']);
  const price = prng.weighted<string | undefined>([
    [4, undefined],
    [2, prng.pick(['60000', '65000.005', '64999.99', '3500', '1', '0.01', '13000', '325000', '1000000.01', '-0', '0'])],
    [1, prng.pick(NUMBERS)],
  ]);
  return `/${side} ${symbol} ${amount}${price !== undefined ? ` ${price}` : ''}`;
}

function commandText(prng: Prng, targets: FuzzTargets): string {
  if (prng.chance(0.25)) return nearValidOrder(prng);
  const name = prng.weighted(COMMANDS.map((c) => [COMMAND_WEIGHTS[c] ?? 1, c] as const));
  const word = prng.weighted<string>([
    [20, name],
    [1, name.toUpperCase()],
    [1, `${name}@${targets.botUsername}`],
    [1, `${name}@someotherbot`],
    [1, randomString(prng, 'abcdefghijklmnopqrstuvwxyz_0123456789', prng.between(1, 40))],
  ]);
  const args = Array.from({ length: prng.weighted([[1, 0], [2, 1], [4, 2], [3, 3], [1, 4], [0.3, 30]]) }, () => argument(prng));
  const separator = prng.weighted([[10, ' '], [1, '  '], [1, '\n'], [1, '\t'], [0.5, '\u00a0']]);
  return `/${word}${args.length ? separator : ''}${args.join(separator)}`.slice(0, 4096);
}

function callbackData(prng: Prng, presser: UpdateUser, targets: FuzzTargets): string {
  const foreign = targets.foreignIntentIds();
  const intentId = () => (foreign.length > 0 && prng.chance(0.5) ? prng.pick(foreign) : randomString(prng, B64, prng.weighted([[10, 16], [1, 15], [1, 17], [0.5, 40]])));
  return prng.weighted<() => string>([
    [6, () => `oc:${intentId()}`],
    [3, () => `od:${intentId()}`],
    [2, () => `k:${prng.pick(['BTCUSDT', 'ETHUSDT', '', 'btcusdt', 'X'.repeat(30)])}:${prng.pick(['1', '0', '42', '99999999999', '-1', '1e3', '9'.repeat(25)])}:${prng.pick([String(presser.id), '1', '0', '7777'])}`],
    [1, () => `m:${randomString(prng, B64, prng.between(1, 41))}`],
    [1, () => `n:${randomString(prng, B64, prng.between(1, 41))}`],
    [1, () => prng.pick(['b:all', 'b:ALL', 'b:', 'b:all:1'])],
    [1, () => `t:${prng.pick(['g', 'l', 'v', 'x', ''])}:${prng.pick(['10', '0', '51', '50', '-1', '1e1', ''])}:${prng.pick(['USDT', 'usdt', 'BTC', '', '中文'])}`],
    [2, () => randomUnicode(prng, prng.between(0, 70))],
    [0.5, () => ''],
  ])();
}

export function generateCase(prng: Prng, targets: FuzzTargets): FuzzCase {
  const from = prng.pick(targets.senders);
  const inGroup = prng.chance(0.15);
  const chatId = inGroup ? -1_009_000_000_000 - prng.int(3) : from.id;
  const roll = prng.next();
  if (roll < 0.6) {
    const text = commandText(prng, targets);
    return { kind: 'command', update: messageUpdate({ from, chatId, text }), summary: `${from.id}@${chatId}: ${text.slice(0, 120)}` };
  }
  if (roll < 0.7) {
    const text = prng.chance(0.1) ? randomUnicode(prng, 4_000) : randomUnicode(prng, prng.between(1, 60));
    return { kind: 'text', update: messageUpdate({ from, chatId, text }), summary: `${from.id}@${chatId}: ${text.slice(0, 120)}` };
  }
  const data = callbackData(prng, from, targets);
  const known = targets.botMessageIds(chatId);
  const messageId = known.length > 0 && prng.chance(0.5) ? prng.pick(known) : prng.between(1, 2_000_000);
  const update = callbackUpdate({ from, chatId, messageId, data, messageText: 'card' });
  if (data === '' && prng.chance(0.5)) delete (update.callback_query as Record<string, unknown>).data;
  return { kind: 'callback', update, summary: `${from.id}@${chatId} pressed ${JSON.stringify(data).slice(0, 120)} on ${messageId}` };
}
