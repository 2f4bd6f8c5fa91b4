/**
 * The one table of commands: what `setMyCommands` publishes, what /help lists, and the usage
 * line and example a command answers with when its arguments are wrong (DESIGN.md §2).
 */
import type { Api } from 'grammy';

export interface CommandSpec {
  /** Without the slash, lower case: Telegram only accepts [a-z0-9_]{1,32}. */
  name: string;
  /** One line for the command menu (Telegram: 1–256 characters). */
  description: string;
  /** `/buy SYMBOL AMOUNT [PRICE]`. */
  usage: string;
  /** A command that works as typed. */
  example: string;
  /** Plain-text lines /help COMMAND shows under the usage. */
  details: string[];
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'start',
    description: 'What this bot does and the trading mode',
    usage: '/start',
    example: '/start',
    details: ['Shows the trading mode and the list of commands.'],
  },
  {
    name: 'help',
    description: 'Commands, or how to use one: /help buy',
    usage: '/help [COMMAND]',
    example: '/help buy',
    details: ['Without a command: the list of commands. With one: its usage and an example.'],
  },
  {
    name: 'balance',
    description: 'Balances with their value in USDT',
    usage: '/balance',
    example: '/balance',
    details: ['Non-zero assets: free, locked and value in USDT, with the total.', 'Small balances are folded into one line; a button shows them all.'],
  },
  {
    name: 'orders',
    description: 'Open orders, each with a Cancel button',
    usage: '/orders [SYMBOL]',
    example: '/orders BTCUSDT',
    details: ['Open orders, newest first. Each has a Cancel button that cancels it at once.'],
  },
  {
    name: 'price',
    description: 'Last price, 24h change and range',
    usage: '/price SYMBOL',
    example: '/price BTCUSDT',
    details: [
      'Last price, 24-hour change, high and low, and the average price.',
      'Also the trading rules an order must meet: price tick, quantity step and minimum order value.',
      'BTCUSDT, btcusdt, BTC/USDT and BTC-USDT all work.',
    ],
  },
  {
    name: 'top',
    description: '24h top gainers, losers or volume',
    usage: '/top [gainers|losers|volume] [N] [QUOTE]',
    example: '/top losers 20 USDT',
    details: [
      'The 24-hour ranking of pairs quoted in QUOTE (default: 10 gainers in USDT, N up to 50).',
      'Left out: symbols not trading, pairs without trades, leveraged tokens (UP/DOWN/BULL/BEAR) and pairs with little volume.',
      'Buttons under the list switch between gainers, losers and volume.',
    ],
  },
  {
    name: 'ta',
    description: 'Indicator summary: RSI, MACD, EMA, ATR',
    usage: '/ta SYMBOL [INTERVAL]',
    example: '/ta BTCUSDT 1d',
    details: [
      'On closed candles of INTERVAL (default 4h; 1m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w, 1M):',
      'RSI(14), MACD(12,26,9) and its latest cross, EMA(20)/EMA(50) trend, ATR(14) with a stop at the last close − 2×ATR, and the latest bullish fractal.',
    ],
  },
  {
    name: 'fractals',
    description: 'Candlestick chart with fractals and your stop',
    usage: '/fractals SYMBOL [INTERVAL]',
    example: '/fractals BTCUSDT 4h',
    details: [
      'A chart of the last 100 closed candles of INTERVAL (default 4h; 1m to 1M).',
      'Bullish fractals (a low below the two candles on each side) are marked under the bar, bearish ones over it.',
      'The active stop and the entry price are drawn as lines; the caption lists the latest fractals.',
    ],
  },
  {
    name: 'buy',
    description: 'Buy at market, or with a limit price',
    usage: '/buy SYMBOL AMOUNT [PRICE]',
    example: '/buy BTCUSDT 100USDT',
    details: [
      'AMOUNT is a quantity of the base asset (0.01) or an amount of the quote asset (100USDT or $100).',
      'With PRICE the order is a LIMIT order (good till cancelled); without it, a MARKET order.',
      'You get a card with the priced order and Confirm / Cancel buttons. Nothing is sent before Confirm.',
    ],
  },
  {
    name: 'sell',
    description: 'Sell at market, or with a limit price',
    usage: '/sell SYMBOL AMOUNT|all|N% [PRICE]',
    example: '/sell BTCUSDT 50%',
    details: [
      'AMOUNT is a quantity (0.01), an amount of the quote asset (100USDT), all of the free balance, or a share of it (50%).',
      'With PRICE the order is a LIMIT order (good till cancelled); without it, a MARKET order.',
      'You get a card with the priced order and Confirm / Cancel buttons. Nothing is sent before Confirm.',
    ],
  },
  {
    name: 'stop',
    description: 'Stop-loss: fixed, fractal trailing, or off',
    usage: '/stop SYMBOL PRICE|fractal|off [INTERVAL] [AMOUNT]',
    example: '/stop BTCUSDT fractal 4h',
    details: [
      '/stop SYMBOL PRICE [AMOUNT]: a fixed stop-loss, a stop-limit sell at PRICE with its limit a little below (STOP_LIMIT_OFFSET_PCT).',
      '/stop SYMBOL fractal [INTERVAL] [AMOUNT]: a trailing stop that follows the bullish fractals of INTERVAL (default 4h) upward, never down, and only above your entry price.',
      'AMOUNT is a quantity (0.5), all, or a share of the free balance (50%); without it, all of the free balance.',
      '/stop SYMBOL off: cancels the managed stops on SYMBOL and stops looking after them.',
      'You get a card with Confirm / Cancel first; off acts at once.',
    ],
  },
  {
    name: 'stops',
    description: 'Managed stops: kind, stop, last move, next candidate',
    usage: '/stops',
    example: '/stops',
    details: ['Every managed stop: symbol, kind, quantity, current stop, last move and the next candidate fractal.'],
  },
  {
    name: 'cancel',
    description: 'Cancel an order, a symbol’s orders, or all',
    usage: '/cancel ORDER_ID|SYMBOL|all',
    example: '/cancel BTCUSDT',
    details: ['One order is cancelled at once. Several orders are listed first and need a Confirm.'],
  },
  {
    name: 'pause',
    description: 'Hold new orders and stop moves',
    usage: '/pause',
    example: '/pause',
    details: ['No new order leaves the queue and no stop moves until /resume. Orders already on the exchange stay.'],
  },
  {
    name: 'resume',
    description: 'Resume orders and stop moves',
    usage: '/resume',
    example: '/resume',
    details: ['Orders confirmed while paused are sent now.'],
  },
  {
    name: 'status',
    description: 'Exchange, queues and service health',
    usage: '/status',
    example: '/status',
    details: ['Mode, exchange reachability and clock offset, request weight used, user stream, queue depths, last stop evaluation.'],
  },
  {
    name: 'alerts',
    description: 'Switch alerts on, silent or off',
    usage: '/alerts',
    example: '/alerts',
    details: [
      'A menu of the alert kinds: fills and order updates, stop moves, order errors, and system notices.',
      'Each can be on, silent (delivered without a sound) or off (not sent). The settings are yours alone.',
    ],
  },
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export function commandSpec(name: string): CommandSpec {
  const spec = BY_NAME.get(name);
  if (!spec) throw new Error(`no command "${name}" in the command table`);
  return spec;
}

export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name.replace(/^\//, '').toLowerCase());
}

/** Publishes the command menu (setMyCommands) from the table, so the menu and /help never disagree. */
export async function syncCommands(bot: { api: Api }, commands: readonly CommandSpec[] = COMMANDS): Promise<void> {
  await bot.api.setMyCommands(commands.map((c) => ({ command: c.name, description: c.description })));
}
