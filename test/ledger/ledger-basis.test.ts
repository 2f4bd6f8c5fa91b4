/**
 * The basis alone (src/ledger/ledger-basis.ts): what it does with what the ledger never saw come
 * in, and with a value it cannot convert. The full example with fees on two quotes runs through
 * the bot in pnl-example.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { replayFills, type StoredFill } from '../../src/ledger/ledger-basis.js';

const fill = (f: Partial<StoredFill> & Pick<StoredFill, 'side' | 'qty' | 'price' | 'tradeId'>): StoredFill => ({
  symbol: 'BTCUSDT',
  orderId: f.tradeId,
  quoteQty: String(Number(f.qty) * Number(f.price)),
  commission: '0',
  commissionAsset: '',
  time: f.tradeId * 1000,
  isMaker: false,
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  quoteRate: '1',
  ...f,
});

describe('average-cost basis', () => {
  it('a sell beyond the known quantity realizes P&L on the known part only and carries the rest as unknown', () => {
    const basis = replayFills([fill({ tradeId: 1, side: 'BUY', qty: '1', price: '100' }), fill({ tradeId: 2, side: 'SELL', qty: '3', price: '120' })], 'USDT');
    // Proceeds 360 for 3; the known 1 brought 120 against its cost of 100.
    expect(basis.results.get('BTCUSDT:2')).toEqual({ realizedPnl: '20', unknownQty: '2' });
    expect(basis.books.get('BTC')).toEqual({ qty: '0', cost: '0' });
  });

  it('a sell with nothing known has no P&L at all, never a made-up one', () => {
    const basis = replayFills([fill({ tradeId: 1, side: 'SELL', qty: '0.5', price: '120' })], 'USDT');
    expect(basis.results.get('BTCUSDT:1')).toEqual({ unknownQty: '0.5' });
    expect(basis.realizations[0]).not.toHaveProperty('pnl');
  });

  it('a quote with no conversion leaves the bought quantity without a known entry', () => {
    const basis = replayFills([fill({ tradeId: 1, symbol: 'XYZABC', baseAsset: 'XYZ', quoteAsset: 'ABC', side: 'BUY', qty: '10', price: '2', quoteRate: undefined })], 'USDT');
    expect(basis.books.get('XYZ')).toBeUndefined();
  });

  it('buy fees raise the cost, sell fees lower the proceeds, a fee in the base changes the quantity', () => {
    const basis = replayFills(
      [
        fill({ tradeId: 1, side: 'BUY', qty: '1', price: '100', commission: '0.001', commissionAsset: 'BTC' }),
        fill({ tradeId: 2, side: 'BUY', qty: '1', price: '100', commission: '0.1', commissionAsset: 'USDT' }),
        fill({ tradeId: 3, side: 'SELL', qty: '0.999', price: '110', commission: '0.10989', commissionAsset: 'USDT' }),
      ],
      'USDT',
    );
    // 1.999 BTC for 200.1; selling 0.999 takes 200.1 × 0.999 / 1.999 of the cost.
    expect(basis.books.get('BTC')!.qty).toBe('1');
    const proceeds = 0.999 * 110 - 0.10989;
    expect(Number(basis.results.get('BTCUSDT:3')!.realizedPnl)).toBeCloseTo(proceeds - (200.1 * 0.999) / 1.999, 12);
  });
});
