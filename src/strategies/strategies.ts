/**
 * The strategies of DESIGN.md §11, by name:
 * - `macd`: enter when MACD(12,26,9) crosses above its signal, exit when it crosses below.
 * - `fractal`: enter on the first close above the latest bearish fractal; exit on the trailing
 *   bullish-fractal stop of §5.
 * - `macd-fractal`: the MACD entry with the fractal exit.
 * Each is a pure function of closed candles (strategy-types.ts).
 */
import { formatAmount } from '../format.js';
import { bearishBreakouts, protectiveStop, trailedStop } from './fractal-levels.js';
import { macdCrossesOf } from './macd-crosses.js';
import type { Decision, Strategy, StrategyCandle, StrategyName, StrategyPosition, StrategySeries } from './strategy-types.js';

type EntryRule = (candles: readonly StrategyCandle[]) => (index: number) => string | undefined;

const macdEntry: EntryRule = (candles) => {
  const crosses = macdCrossesOf(candles);
  return (i) => (crosses[i] === 'bullish' ? 'MACD crossed above its signal' : undefined);
};

const breakoutEntry: EntryRule = (candles) => {
  const breakouts = bearishBreakouts(candles);
  return (i) => {
    const level = breakouts[i];
    return level ? `close above the bearish fractal at ${formatAmount(level.price, decimalsOfPrice(level.price))}` : undefined;
  };
};

/** "64250.10000000" → 2: the decimals a price actually uses, for the reason's text. */
function decimalsOfPrice(price: string): number {
  const dot = price.indexOf('.');
  if (dot < 0) return 0;
  return price.slice(dot + 1).replace(/0+$/, '').length;
}

function macdStrategy(): Strategy {
  return {
    name: 'macd',
    description: 'MACD(12,26,9): buy when it crosses above its signal, sell when it crosses below',
    exit: 'signal',
    prepare(candles) {
      const crosses = macdCrossesOf(candles);
      return {
        candles,
        decide(i, position): Decision {
          const cross = crosses[i];
          if (!position) return cross === 'bullish' ? { kind: 'enter', reason: 'MACD crossed above its signal' } : { kind: 'hold' };
          return cross === 'bearish' ? { kind: 'exit', reason: 'MACD crossed below its signal' } : { kind: 'hold' };
        },
      };
    },
  };
}

function trailingStopStrategy(name: StrategyName, description: string, entry: EntryRule): Strategy {
  return {
    name,
    description,
    exit: 'trailing-stop',
    prepare(candles, { tickSize }): StrategySeries {
      const enterAt = entry(candles);
      return {
        candles,
        decide(i, position: StrategyPosition | undefined): Decision {
          if (!position) {
            const reason = enterAt(i);
            if (!reason) return { kind: 'hold' };
            const stop = protectiveStop(candles, i, tickSize);
            return { kind: 'enter', reason, ...(stop !== undefined ? { stop } : {}) };
          }
          const stop = trailedStop(candles, i, position, tickSize);
          return stop === undefined ? { kind: 'hold' } : { kind: 'hold', stop, reason: 'the stop followed a new bullish fractal' };
        },
      };
    },
  };
}

export const STRATEGIES: Readonly<Record<StrategyName, Strategy>> = {
  macd: macdStrategy(),
  fractal: trailingStopStrategy('fractal', 'buy on a close above the latest bearish fractal, exit on the trailing bullish-fractal stop', breakoutEntry),
  'macd-fractal': trailingStopStrategy('macd-fractal', 'buy when MACD crosses above its signal, exit on the trailing bullish-fractal stop', macdEntry),
};

export function strategyOf(name: StrategyName): Strategy {
  return STRATEGIES[name];
}
