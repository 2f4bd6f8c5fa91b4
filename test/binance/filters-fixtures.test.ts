/**
 * Every symbol of the three exchangeInfo captures, at every boundary of its filters.
 *
 * For each symbol, orders are built at min, min − one step, max, max + one step and one unit
 * off the grid (one unit of the next decimal), for quantity and price, plus the percent-price
 * band edges and the MARKET limits. The expected verdict comes from `expectedViolations` below:
 * a direct reading of filters.md on the raw JSON filter values (not the parsed ones the engine
 * indexes). Adjusted values are known by construction (a value one unit off the grid must come
 * back as the grid value below it, or above it for a SELL price).
 */
import { describe, expect, it } from 'vitest';
import * as d from '../../src/decimal.js';
import { parseExchangeInfo } from '../../src/binance/exchange-info.js';
import { checkOrder, type FilterMode, type OrderDraft } from '../../src/binance/filters.js';
import type { SymbolInfo } from '../../src/binance/types.js';
import { EXCHANGE_INFO_FIXTURES, fixture } from '../support/fixtures.js';

type RawFilter = Record<string, string | number | boolean> & { filterType: string };
interface RawSymbol {
  symbol: string;
  status: string;
  isSpotTradingAllowed: boolean;
  baseAssetPrecision: number;
  quoteAssetPrecision: number;
  filters: RawFilter[];
}

/** The raw filters of one symbol, by type, with the values as strings. */
type Raw = Record<string, Record<string, string> | undefined> & { precision: { base: number; quote: number } };

function rawOf(symbol: RawSymbol): Raw {
  const out: Raw = { precision: { base: symbol.baseAssetPrecision, quote: symbol.quoteAssetPrecision } } as Raw;
  for (const f of symbol.filters) out[f.filterType] = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v)]));
  return out;
}

const enabled = (v: string | undefined): v is string => v !== undefined && !d.isZero(v);
const decimalsIn = (v: string): number => (d.normalize(v).split('.')[1] ?? '').length;
const unitBelow = (step: string): string => `0.${'0'.repeat(decimalsIn(step))}1`; // one unit of the next decimal

interface Expectation {
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  quantity?: string;
  quoteOrderQty?: string;
  price?: string;
  ref: string;
}

/** filters.md, read literally. Per value: precision first (-1111), then the grid filters. */
function expectedViolations(raw: Raw, o: Expectation, mode: FilterMode): Set<string> {
  const out = new Set<string>();
  const market = o.type === 'MARKET';
  const grid = (name: string, value: string, min: string, max: string, step: string, precision: number) => {
    const f = raw[name];
    if (!f) return;
    if (mode === 'strict' && decimalsIn(value) > precision) return void out.add('PRECISION');
    if (d.isZero(value) || (enabled(f[min]) && d.lt(value, f[min]))) out.add(name);
    else if (enabled(f[max]) && d.gt(value, f[max])) out.add(name);
    else if (mode === 'strict' && enabled(f[step]) && !d.isMultipleOf(value, f[step])) out.add(name);
  };
  if (o.quantity !== undefined) {
    grid('LOT_SIZE', o.quantity, 'minQty', 'maxQty', 'stepSize', raw.precision.base);
    if (market) grid('MARKET_LOT_SIZE', o.quantity, 'minQty', 'maxQty', 'stepSize', raw.precision.base);
  }
  if (o.price !== undefined) grid('PRICE_FILTER', o.price, 'minPrice', 'maxPrice', 'tickSize', raw.precision.quote);
  if (out.size > 0) return out; // whole-order rules run on valid values only

  const value = o.quoteOrderQty ?? d.mul(o.quantity ?? '0', o.price ?? o.ref);
  const n = raw.NOTIONAL;
  if (n) {
    if ((!market || n.applyMinToMarket === 'true') && enabled(n.minNotional) && d.lt(value, n.minNotional)) out.add('NOTIONAL');
    else if ((!market || n.applyMaxToMarket === 'true') && enabled(n.maxNotional) && d.gt(value, n.maxNotional)) out.add('NOTIONAL');
  }
  const mn = raw.MIN_NOTIONAL;
  if (mn && (!market || mn.applyToMarket === 'true') && enabled(mn.minNotional) && d.lt(value, mn.minNotional)) out.add('MIN_NOTIONAL');
  if (o.price !== undefined) {
    const band = (name: string, down: string, up: string) => {
      if ((enabled(down) && d.lt(o.price!, d.mul(o.ref, down))) || (enabled(up) && d.gt(o.price!, d.mul(o.ref, up)))) out.add(name);
    };
    const pp = raw.PERCENT_PRICE;
    if (pp) band('PERCENT_PRICE', pp.multiplierDown!, pp.multiplierUp!);
    const ps = raw.PERCENT_PRICE_BY_SIDE;
    if (ps) {
      if (o.side === 'BUY') band('PERCENT_PRICE_BY_SIDE', ps.bidMultiplierDown!, ps.bidMultiplierUp!);
      else band('PERCENT_PRICE_BY_SIDE', ps.askMultiplierDown!, ps.askMultiplierUp!);
    }
  }
  return out;
}

interface Case {
  label: string;
  order: Expectation;
  /** On-grid values whose verdict does not depend on the mode: checked once, strictly. */
  strictOnly?: boolean;
  /** What adjust mode must send, when it differs from the input. */
  adjusted?: { quantity?: string; price?: string };
}

/** Boundary orders for one symbol, from its raw filter values. */
function casesFor(raw: Raw): Case[] {
  const price = raw.PRICE_FILTER!;
  const lot = raw.LOT_SIZE!;
  const tick = price.tickSize!;
  const step = lot.stepSize!;
  const minNotional = d.max(raw.NOTIONAL?.minNotional ?? '0', raw.MIN_NOTIONAL?.minNotional ?? '0');
  const maxNotional = raw.NOTIONAL?.maxNotional ?? '0';
  const onTickUp = (v: string) => d.max(d.ceilToStep(v, tick), price.minPrice!);
  const onStepUp = (v: string) => d.max(d.ceilToStep(v, step), lot.minQty!);
  // A home price well inside the range, and a quantity worth at least the minimum there.
  const home = d.min(onTickUp(d.mul(price.minPrice!, '100')), price.maxPrice!);
  const homeQty = onStepUp(d.div(minNotional, home, 12, 'up'));
  const fairPrice = (q: string) => onTickUp(d.div(minNotional, q, 12, 'up'));
  const fairQty = (p: string) => onStepUp(d.div(minNotional, p, 12, 'up'));
  const buy = (quantity: string, p: string, ref = p): Expectation => ({ side: 'BUY', type: 'LIMIT', quantity, price: p, ref });
  const cases: Case[] = [];

  const minQ = lot.minQty!;
  const maxQ = lot.maxQty!;
  cases.push({ label: 'quantity = minQty', order: buy(minQ, fairPrice(minQ)) });
  if (d.gte(d.sub(minQ, step), '0')) cases.push({ label: 'quantity = minQty - step', order: buy(d.sub(minQ, step), fairPrice(minQ)) });
  const atMax = enabled(maxNotional) ? d.max(d.floorToStep(d.div(maxNotional, maxQ, 12), tick), price.minPrice!) : home;
  cases.push({ label: 'quantity = maxQty', order: buy(maxQ, atMax) });
  cases.push({ label: 'quantity = maxQty + step', order: buy(d.add(maxQ, step), atMax) });
  const offQty = d.add(homeQty, unitBelow(step));
  cases.push({ label: 'quantity off the step', order: buy(offQty, home), adjusted: { quantity: homeQty } });

  const minP = price.minPrice!;
  const maxP = price.maxPrice!;
  cases.push({ label: 'price = minPrice', order: buy(fairQty(minP), minP) });
  if (d.gte(d.sub(minP, tick), '0')) cases.push({ label: 'price = minPrice - tick', order: buy(fairQty(minP), d.sub(minP, tick), minP) });
  cases.push({ label: 'price = maxPrice', order: buy(minQ, maxP) });
  cases.push({ label: 'price = maxPrice + tick', order: buy(minQ, d.add(maxP, tick), maxP) });
  const offPrice = d.add(home, unitBelow(tick));
  cases.push({ label: 'BUY price off the tick', order: buy(homeQty, offPrice, home), adjusted: { price: home } });
  cases.push({
    label: 'SELL price off the tick',
    order: { ...buy(homeQty, offPrice, home), side: 'SELL' },
    adjusted: { price: d.add(home, tick) },
  });

  // Percent-price band edges around the home price, per side.
  const bands: [side: 'BUY' | 'SELL', down: string, up: string][] = [];
  if (raw.PERCENT_PRICE) bands.push(['BUY', raw.PERCENT_PRICE.multiplierDown!, raw.PERCENT_PRICE.multiplierUp!]);
  const ps = raw.PERCENT_PRICE_BY_SIDE;
  if (ps) bands.push(['BUY', ps.bidMultiplierDown!, ps.bidMultiplierUp!], ['SELL', ps.askMultiplierDown!, ps.askMultiplierUp!]);
  for (const [side, down, up] of bands) {
    const high = d.floorToStep(d.mul(home, up), tick);
    const low = d.ceilToStep(d.mul(home, down), tick);
    for (const [label, p] of [['at the upper band', high], ['above the upper band', d.add(high, tick)], ['at the lower band', low], ['below the lower band', d.sub(low, tick)]] as const) {
      if (d.isPositive(p)) cases.push({ label: `${side} price ${label}`, order: { ...buy(fairQty(p), p, home), side }, strictOnly: true });
    }
  }

  // MARKET: the market lot maximum and the minimum value of a quote-sized order.
  const marketMax = raw.MARKET_LOT_SIZE?.maxQty;
  if (enabled(marketMax)) {
    const ref = d.max(home, onTickUp(d.div(minNotional, marketMax, 12, 'up')));
    const atMarketMax = d.floorToStep(marketMax, step);
    cases.push({ label: 'MARKET quantity = market maxQty', order: { side: 'SELL', type: 'MARKET', quantity: atMarketMax, ref }, strictOnly: true });
    cases.push({ label: 'MARKET quantity = market maxQty + step', order: { side: 'SELL', type: 'MARKET', quantity: d.add(atMarketMax, step), ref }, strictOnly: true });
  }
  if (enabled(minNotional)) {
    const unit = `0.${'0'.repeat(raw.precision.quote - 1)}1`;
    cases.push({ label: 'MARKET amount = minNotional', order: { side: 'BUY', type: 'MARKET', quoteOrderQty: minNotional, ref: home }, strictOnly: true });
    cases.push({ label: 'MARKET amount = minNotional - unit', order: { side: 'BUY', type: 'MARKET', quoteOrderQty: d.sub(minNotional, unit), ref: home }, strictOnly: true });
  }
  return cases;
}

function draftOf(o: Expectation): OrderDraft {
  const draft: OrderDraft = { side: o.side, type: o.type };
  if (o.quantity !== undefined) draft.quantity = o.quantity;
  if (o.quoteOrderQty !== undefined) draft.quoteOrderQty = o.quoteOrderQty;
  if (o.price !== undefined) {
    draft.price = o.price;
    draft.timeInForce = 'GTC';
  }
  return draft;
}

const STRICT = ['strict'] as const;
const BOTH = ['strict', 'adjust'] as const;

interface Tally {
  checks: number;
  accepted: number;
  refusedBy: Record<string, number>;
}

function sweep(symbol: SymbolInfo, raw: Raw, tally: Tally): void {
  const stepDecimals = decimalsIn(raw.LOT_SIZE!.stepSize!);
  const tickDecimals = decimalsIn(raw.PRICE_FILTER!.tickSize!);
  for (const c of casesFor(raw)) {
    for (const mode of c.strictOnly ? STRICT : BOTH) {
      const order = mode === 'adjust' && c.adjusted ? { ...c.order, ...c.adjusted } : c.order;
      const expected = expectedViolations(raw, order, mode);
      const verdict = checkOrder(symbol, draftOf(c.order), { referencePrice: c.order.ref }, mode);
      tally.checks++;
      // Built only on failure: a template per check would cost more than the check itself.
      const where = () => `${symbol.symbol} ${c.label} (${mode}) ${JSON.stringify(c.order)}`;
      if (verdict.ok) {
        tally.accepted++;
        if (expected.size > 0) expect.fail(`${where()}: accepted, expected ${[...expected].join(', ')}`);
        const sent = verdict.order;
        const want =
          mode === 'strict'
            ? [c.order.quantity, c.order.price, c.order.quoteOrderQty]
            : [
                order.quantity === undefined ? undefined : d.formatFixed(order.quantity, stepDecimals),
                order.price === undefined ? undefined : d.formatFixed(order.price, tickDecimals),
                order.quoteOrderQty === undefined ? undefined : d.normalize(order.quoteOrderQty),
              ];
        if (sent.quantity !== want[0] || sent.price !== want[1] || sent.quoteOrderQty !== want[2]) {
          expect.fail(`${where()}: sent ${JSON.stringify([sent.quantity, sent.price, sent.quoteOrderQty])}, expected ${JSON.stringify(want)}`);
        }
        if (mode === 'adjust' && sent.adjustments.length > 0 !== (c.adjusted !== undefined)) {
          expect.fail(`${where()}: adjustments ${JSON.stringify(sent.adjustments)}`);
        }
        const value = order.quoteOrderQty ?? d.mul(order.quantity!, order.price ?? order.ref);
        if (!d.eq(sent.notional, value)) expect.fail(`${where()}: notional ${sent.notional}, expected ${value}`);
        continue;
      }
      const got = new Set(verdict.violations.map((v) => v.filter));
      for (const name of got) tally.refusedBy[name] = (tally.refusedBy[name] ?? 0) + 1;
      if (expected.size === 0) expect.fail(`${where()}: refused (${verdict.violations.map((v) => v.message).join(' | ')}), expected acceptance`);
      if ([...got].sort().join() !== [...expected].sort().join()) {
        expect.fail(`${where()}: refused by ${[...got].join(', ')}, expected ${[...expected].join(', ')}`);
      }
      for (const v of verdict.violations) if (v.message.length < 10) expect.fail(`${where()}: no sentence`);
    }
  }
}

describe.each(Object.entries(EXCHANGE_INFO_FIXTURES))('every symbol of %s', (_name, path) => {
  it('gets the right verdict at every boundary, strict and adjusted', () => {
    const json = fixture<RawSymbol[] | { symbols: RawSymbol[] }>(path);
    const rawSymbols = Array.isArray(json) ? json : json.symbols;
    const info = parseExchangeInfo(json);
    expect(info.symbols).toHaveLength(rawSymbols.length);
    const tally: Tally = { checks: 0, accepted: 0, refusedBy: {} };
    let gated = 0;
    info.symbols.forEach((symbol, i) => {
      const raw = rawOf(rawSymbols[i]!);
      expect(symbol.symbol).toBe(rawSymbols[i]!.symbol);
      let tradable = symbol;
      if (symbol.status !== 'TRADING' || !symbol.isSpotTradingAllowed) {
        // Refused whatever the numbers; then the same filters are swept as if it traded.
        const verdict = checkOrder(symbol, { side: 'BUY', type: 'LIMIT', quantity: '1', price: '1', timeInForce: 'GTC' }, { referencePrice: '1' }, 'strict');
        expect(verdict.ok ? [] : verdict.violations.map((v) => v.filter)).toEqual([symbol.status !== 'TRADING' ? 'SYMBOL_STATUS' : 'SPOT_NOT_ALLOWED']);
        gated++;
        tradable = { ...symbol, status: 'TRADING', isSpotTradingAllowed: true };
      }
      sweep(tradable, raw, tally);
    });
    // The sweep must exercise both outcomes and every grid filter, not pass vacuously.
    expect(tally.accepted).toBeGreaterThan(tally.checks / 4);
    for (const name of ['LOT_SIZE', 'PRICE_FILTER', 'PRECISION', 'MARKET_LOT_SIZE']) expect(tally.refusedBy[name], name).toBeGreaterThan(0);
    expect((tally.refusedBy.NOTIONAL ?? 0) + (tally.refusedBy.MIN_NOTIONAL ?? 0)).toBeGreaterThan(0);
    expect((tally.refusedBy.PERCENT_PRICE ?? 0) + (tally.refusedBy.PERCENT_PRICE_BY_SIDE ?? 0)).toBeGreaterThan(0);
    console.info(`${path}: ${info.symbols.length} symbols (${gated} not trading), ${tally.checks} checks, ${tally.accepted} accepted, refused by ${JSON.stringify(tally.refusedBy)}`);
  });
});
