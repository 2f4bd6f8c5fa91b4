/**
 * A LedgerReader (src/ledger/ledger-types.ts) over fills held in memory, for the net value views'
 * tests until the Redis fills ledger (branch i17-ledger) is merged; the lead swaps it for the real
 * one then. It does no cost-basis math: each sell carries the realized P&L the test gives it, so a
 * test's expected numbers are the ones it wrote down.
 */
import { add } from '../../src/decimal.js';
import type { FillQuery, LedgerFill, LedgerReader, PositionBasis, RealizedSummary } from '../../src/ledger/ledger-types.js';

export interface InMemoryLedger extends LedgerReader {
  addFill(fill: LedgerFill): void;
  setPositions(positions: PositionBasis[]): void;
}

export function createInMemoryLedgerForTests(fills: LedgerFill[] = [], positions: PositionBasis[] = []): InMemoryLedger {
  const all = [...fills];
  let held = [...positions];
  const inSpan = (f: LedgerFill, fromMs: number, toMs: number, symbol?: string) => f.time >= fromMs && f.time < toMs && (symbol === undefined || f.symbol === symbol);
  return {
    addFill: (fill) => void all.push(fill),
    setPositions: (list) => void (held = [...list]),
    async fills(query: FillQuery) {
      const matching = all
        .filter((f) => inSpan(f, query.fromMs ?? -Infinity, query.toMs ?? Infinity, query.symbol))
        .sort((a, b) => b.time - a.time || b.tradeId - a.tradeId);
      return query.limit === undefined ? matching : matching.slice(0, query.limit);
    },
    async realized(fromMs: number, toMs: number, symbol?: string): Promise<RealizedSummary> {
      const span = all.filter((f) => inSpan(f, fromMs, toMs, symbol));
      let realized = '0';
      let unknownBasis = false;
      for (const f of span) {
        if (f.side !== 'SELL') continue;
        if (f.realizedPnl === undefined) unknownBasis = true;
        else realized = add(realized, f.realizedPnl);
      }
      return { realized, trades: span.length, unknownBasis };
    },
    async positions() {
      return held;
    },
  };
}

let nextTradeId = 1;

/** A fill with the fields the views read; the rest filled in plausibly. */
export function testFill(fill: Pick<LedgerFill, 'time' | 'side'> & Partial<LedgerFill>): LedgerFill {
  return {
    symbol: 'BTCUSDT',
    tradeId: nextTradeId++,
    orderId: 1,
    price: '65000',
    qty: '0.01',
    quoteQty: '650',
    commission: '0.65',
    commissionAsset: 'USDT',
    isMaker: false,
    ...fill,
  };
}
