/**
 * The price alerts of the symbols a worker watches, indexed for evaluation on every market update
 * (DESIGN.md §6b): per symbol, armed `above` levels and `below` levels each in one sorted array, so
 * an update finds the levels it crossed by binary search instead of scanning alerts, and move
 * alerts sorted by their percentage per window. Evaluating an update costs O(log n) plus the
 * alerts it fires; nothing here touches Redis or the network (price-alert-service.ts does).
 *
 * Floats only find candidates. Parsing a decimal to a double is monotonic, so every level an
 * exact comparison would fire is among the candidates; each candidate is then decided exactly with
 * src/decimal.ts, so a level one tick away from the price is never fired by a rounding.
 *
 * What an update says: `price` is the last trade; `high`/`low`, when given, are the extremes
 * traded since the previous update (a rise of the mini-ticker's 24h high can only come from a new
 * trade, so a wick between two pushes is still seen). Move alerts keep per-minute high/low buckets
 * of each symbol over the longest window watched; an alert younger than its window keeps its own
 * extremes since arming, so a move that happened before it was set never fires it.
 */
import { gte, lte, mul, sub, add } from '../decimal.js';
import { levelReached, REARM_GAP, type Fire, type PriceAlert } from './price-alert-types.js';
import { createMoveWindows, widen, type Extremes, type MoveWindows } from './move-windows.js';
import { SortedEntries, type SortedEntry } from './sorted-entries.js';

const MINUTE = 60_000;

export interface MarketUpdate {
  symbol: string;
  /** Exchange event time, epoch ms. */
  at: number;
  price: string;
  /** Highest trade since the previous update, when known. */
  high?: string;
  low?: string;
}

export interface EvaluationResult {
  fires: Fire[];
  /** Repeat alerts whose price has moved back: arm them again. */
  rearms: PriceAlert[];
}

interface YoungMove {
  alert: PriceAlert;
  extremes: Extremes | undefined;
}

type Alerts = SortedEntries<PriceAlert>;

interface SymbolBook {
  above: Alerts;
  below: Alerts;
  /** Disarmed repeat alerts, keyed by the price at which they re-arm. */
  rearmAbove: Alerts;
  rearmBelow: Alerts;
  /** Move alerts older than their window, by window then percentage. */
  moves: Map<number, Alerts>;
  young: Map<string, YoungMove>;
  /** What traded over the longest move window, for the move alerts older than theirs. */
  traded: MoveWindows;
  indicators: Map<string, PriceAlert>;
  size: number;
}

/** Where an alert sits in the index, to take it out again. */
interface Placement {
  symbol: string;
  list: Alerts | 'young' | 'indicator';
  key: number;
}

export interface PriceAlertIndex {
  /** Adds or replaces an alert (its armed state, generation and arming time as stored). */
  upsert(alert: PriceAlert): void;
  remove(id: string): void;
  get(id: string): PriceAlert | undefined;
  size(): number;
  symbols(): string[];
  /** Indicator alerts of a symbol. */
  indicatorAlerts(symbol: string): PriceAlert[];
  alertsOf(symbol: string): PriceAlert[];
  /**
   * One market update. Alerts it fires leave the index at once (the service puts them back in
   * their new state once the fire is claimed), so a fire in flight is not found twice.
   */
  evaluate(update: MarketUpdate): EvaluationResult;
  /** Seeds the move buckets with candles (catch-up at (re)connect): open time, high, low. */
  seedBuckets(symbol: string, candles: ReadonlyArray<{ openTime: number; high: string; low: string }>): void;
}

const num = Number;

export function rearmLevel(alert: PriceAlert): string | undefined {
  const c = alert.condition;
  if (c.kind === 'above') return sub(c.level, mul(c.level, REARM_GAP));
  if (c.kind === 'below') return add(c.level, mul(c.level, REARM_GAP));
  return undefined;
}

/** price moved at least pct % from `from`: up when price ≥ from·(1 + pct/100), down when ≤ from·(1 − pct/100). */
export function movedUp(from: string, price: string, pct: string): boolean {
  return gte(mul(price, '100'), mul(from, add('100', pct)));
}
export function movedDown(from: string, price: string, pct: string): boolean {
  return lte(mul(price, '100'), mul(from, sub('100', pct)));
}

export function createPriceAlertIndex(options: { now?: () => number } = {}): PriceAlertIndex {
  const now = options.now ?? Date.now;
  const books = new Map<string, SymbolBook>();
  const placements = new Map<string, Placement>();
  const alerts = new Map<string, PriceAlert>();

  function book(symbol: string): SymbolBook {
    let b = books.get(symbol);
    if (!b) {
      b = {
        above: new SortedEntries(),
        below: new SortedEntries(),
        rearmAbove: new SortedEntries(),
        rearmBelow: new SortedEntries(),
        moves: new Map(),
        young: new Map(),
        traded: createMoveWindows(),
        indicators: new Map(),
        size: 0,
      };
      books.set(symbol, b);
    }
    return b;
  }

  function remove(id: string): void {
    const placed = placements.get(id);
    if (!placed) return;
    placements.delete(id);
    alerts.delete(id);
    const b = books.get(placed.symbol);
    if (!b) return;
    if (placed.list === 'young') b.young.delete(id);
    else if (placed.list === 'indicator') b.indicators.delete(id);
    else placed.list.remove(id, placed.key);
    b.size -= 1;
    if (b.size === 0) books.delete(placed.symbol);
  }

  function place(b: SymbolBook, alert: PriceAlert): Placement {
    const c = alert.condition;
    const symbol = alert.symbol;
    if (c.kind === 'rsi' || c.kind === 'macd') {
      b.indicators.set(alert.id, alert);
      return { symbol, list: 'indicator', key: 0 };
    }
    if (c.kind === 'move') {
      if (!alert.armed) {
        // A move alert is re-armed at once when it fires; a disarmed one waits for its service.
        b.indicators.set(alert.id, alert);
        return { symbol, list: 'indicator', key: 0 };
      }
      if (now() - alert.armedAt < c.windowMs) {
        b.young.set(alert.id, { alert, extremes: undefined });
        return { symbol, list: 'young', key: 0 };
      }
      let list = b.moves.get(c.windowMs);
      if (!list) b.moves.set(c.windowMs, (list = new SortedEntries()));
      const key = num(c.pct);
      list.insert({ key, value: alert });
      return { symbol, list, key };
    }
    if (alert.armed) {
      const list = c.kind === 'above' ? b.above : b.below;
      const key = num(c.level);
      list.insert({ key, value: alert });
      return { symbol, list, key };
    }
    const list = c.kind === 'above' ? b.rearmAbove : b.rearmBelow;
    const key = num(rearmLevel(alert)!);
    list.insert({ key, value: alert });
    return { symbol, list, key };
  }

  function upsert(alert: PriceAlert): void {
    remove(alert.id);
    const b = book(alert.symbol);
    placements.set(alert.id, place(b, alert));
    alerts.set(alert.id, alert);
    b.size += 1;
  }

  function take(fired: SortedEntry<PriceAlert>[], fires: Fire[], make: (alert: PriceAlert) => Fire | undefined): void {
    for (const entry of fired) {
      const fire = make(entry.value);
      if (fire) {
        fires.push(fire);
        remove(entry.value.id);
      }
    }
  }

  function moveFire(alert: PriceAlert, extremes: Extremes, price: string, at: number): Fire | undefined {
    const c = alert.condition;
    if (c.kind !== 'move') return undefined;
    const up = movedUp(extremes.low, price, c.pct);
    const down = movedDown(extremes.high, price, c.pct);
    if (!up && !down) return undefined;
    // Both at once (a window wider than the move) is reported as the larger swing.
    const direction = up && down ? (num(price) - extremes.lowNum) / extremes.lowNum >= (extremes.highNum - num(price)) / extremes.highNum ? 'up' : 'down' : up ? 'up' : 'down';
    return {
      alert,
      price,
      at,
      detail: { kind: 'move', direction, from: direction === 'up' ? extremes.low : extremes.high, fromAt: direction === 'up' ? extremes.lowAt : extremes.highAt, windowMs: c.windowMs },
      mode: alert.repeat ? 'rearm' : 'remove',
    };
  }

  function evaluate(update: MarketUpdate): EvaluationResult {
    const fires: Fire[] = [];
    const rearms: PriceAlert[] = [];
    const b = books.get(update.symbol);
    if (!b) return { fires, rearms };
    const price = update.price;
    const priceNum = num(price);
    const high = update.high !== undefined && num(update.high) > priceNum ? update.high : price;
    const low = update.low !== undefined && num(update.low) < priceNum ? update.low : price;
    const highNum = num(high);
    const lowNum = num(low);
    const level = (alert: PriceAlert): Fire | undefined => {
      const crossed = levelReached(alert.condition, high, low);
      return crossed === undefined ? undefined : { alert, price: crossed, at: update.at, detail: { kind: 'level' }, mode: alert.repeat ? 'disarm' : 'remove' };
    };

    if (b.above.items.length > 0 && b.above.items[0]!.key <= highNum) {
      const candidates = b.above.items.slice(0, b.above.upperBound(highNum));
      take(candidates, fires, level);
    }
    if (b.below.items.length > 0 && b.below.items[b.below.items.length - 1]!.key >= lowNum) {
      const candidates = b.below.items.slice(b.below.lowerBound(lowNum));
      take(candidates, fires, level);
    }
    if (b.rearmAbove.items.length > 0 && b.rearmAbove.items[b.rearmAbove.items.length - 1]!.key >= priceNum) {
      for (const e of b.rearmAbove.items.slice(b.rearmAbove.lowerBound(priceNum))) if (lte(price, rearmLevel(e.value)!)) rearms.push(e.value);
    }
    if (b.rearmBelow.items.length > 0 && b.rearmBelow.items[0]!.key <= priceNum) {
      for (const e of b.rearmBelow.items.slice(0, b.rearmBelow.upperBound(priceNum))) if (gte(price, rearmLevel(e.value)!)) rearms.push(e.value);
    }

    if (b.moves.size > 0 || b.young.size > 0) {
      if (lowNum < priceNum) b.traded.add(update.at, low, lowNum);
      if (highNum > priceNum) b.traded.add(update.at, high, highNum);
      b.traded.add(update.at, price, priceNum);
      for (const [windowMs, list] of b.moves) {
        if (list.items.length === 0) continue;
        const extremes = b.traded.extremes(windowMs);
        if (!extremes) continue;
        const swing = Math.max((priceNum - extremes.lowNum) / extremes.lowNum, (extremes.highNum - priceNum) / extremes.highNum) * 100;
        // A hair of slack: the float swing may round just under an exact one.
        const candidates = list.items.slice(0, list.upperBound(swing * (1 + 1e-9)));
        take(candidates, fires, (a) => moveFire(a, extremes, price, update.at));
      }
      for (const young of [...b.young.values()]) {
        const c = young.alert.condition;
        if (c.kind !== 'move') continue;
        // The trades of this update count; those before arming do not.
        let extremes = young.extremes;
        if (update.at >= young.alert.armedAt) {
          extremes = widen(extremes, low, lowNum, update.at);
          extremes = widen(extremes, high, highNum, update.at);
          young.extremes = extremes;
        }
        if (!extremes) continue;
        const fire = moveFire(young.alert, extremes, price, update.at);
        if (fire) {
          fires.push(fire);
          remove(young.alert.id);
        } else if (update.at - young.alert.armedAt >= c.windowMs) {
          upsert(young.alert); // old enough: the shared buckets cover its window now
        }
      }
    }
    return { fires, rearms };
  }

  return {
    upsert,
    remove,
    get: (id) => alerts.get(id),
    size: () => alerts.size,
    symbols: () => [...books.keys()],
    indicatorAlerts: (symbol) => [...(books.get(symbol)?.indicators.values() ?? [])].filter((a) => a.condition.kind === 'rsi' || a.condition.kind === 'macd'),
    alertsOf: (symbol) => [...alerts.values()].filter((a) => a.symbol === symbol),
    evaluate,
    seedBuckets(symbol, candles) {
      const b = books.get(symbol);
      if (!b) return;
      for (const candle of candles) {
        b.traded.add(candle.openTime, candle.low, num(candle.low));
        b.traded.add(candle.openTime + MINUTE - 1, candle.high, num(candle.high));
      }
    },
  };
}
