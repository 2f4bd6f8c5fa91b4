import { describe, expect, it } from 'vitest';
import type { Order } from '../../src/binance/types.js';
import { cardStateOfOrder, renderCard, type CardState } from '../../src/trading/orders/order-card.js';
import type { OrderIntent } from '../../src/trading/types.js';
import { validateTelegramHtml } from '../support/fake-bot-api.js';

const createdAt = Date.UTC(2026, 10, 22, 6, 0, 0);
const intent: OrderIntent = {
  id: 'AbCdEfGhIjKlMnOp',
  kind: 'place-order',
  userId: 1,
  chatId: 1,
  displayName: 'Ann <desk & co>',
  createdAt,
  expiresAt: createdAt + 60_000,
  clientOrderId: 'bco-AbCdEfGhIjKlMnOp',
  preview: {
    mode: 'live',
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    quoteAsset: 'USDT',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '0.25000',
    price: '60000.00',
    lastPrice: '65000.1',
    estimatedNotional: '15000',
    estimatedFee: '0.00025',
    feeAsset: 'BTC',
    remainingFree: { asset: 'USDT', amount: '1234.5' },
    adjustments: ['Price rounded down from 60000.005 to 60000 (tick 0.01).', 'A note with <tags> & ampersands.'],
    priceDecimals: 2,
    quantityDecimals: 5,
  },
};

const order = (over: Partial<Order>): Order => ({
  symbol: 'BTCUSDT',
  orderId: 4242,
  orderListId: -1,
  clientOrderId: intent.clientOrderId,
  price: '60000.00000000',
  origQty: '0.25000000',
  executedQty: '0.00000000',
  cummulativeQuoteQty: '0.00000000',
  status: 'NEW',
  timeInForce: 'GTC',
  type: 'LIMIT',
  side: 'BUY',
  ...over,
});

const ALL_STATES: CardState[] = [
  { kind: 'pending' },
  { kind: 'queued', confirmedBy: 'Ann <desk & co>' },
  { kind: 'queued-paused' },
  { kind: 'placed', order: order({}) },
  { kind: 'filled', order: order({ status: 'FILLED', executedQty: '0.25', cummulativeQuoteQty: '15000.005' }) },
  { kind: 'failed', reason: 'Not enough free USDT: <b>bold</b> & more.' },
  { kind: 'failed', reason: 'No answer.', uncertain: true },
  { kind: 'dismissed' },
  { kind: 'expired' },
];

describe('order card', () => {
  it('is valid Telegram HTML under 4096 characters in every state, with the mode badge', () => {
    for (const state of ALL_STATES) {
      const text = renderCard(intent, state);
      expect(validateTelegramHtml(text), `${state.kind}: ${text}`).toBeUndefined();
      expect(text.length).toBeLessThan(4096);
      expect(text.startsWith('🔴 <b>LIVE</b>')).toBe(true);
    }
  });

  it('prices the pending card at the symbol precision with thousands separators and the expiry in UTC', () => {
    const text = renderCard(intent, { kind: 'pending' });
    expect(text).toContain('Confirm order: <b>BUY BTCUSDT</b> · LIMIT GTC');
    expect(text).toContain('Quantity: <b>0.25000 BTC</b>');
    expect(text).toContain('Limit price: <b>60,000.00 USDT</b>');
    expect(text).toContain('Last price: 65,000.10 USDT');
    expect(text).toContain('Estimated cost: ≈ 15,000.00 USDT');
    expect(text).toContain('Estimated fee: ≈ 0.00025 BTC');
    expect(text).toContain('Free after: 1,234.50 USDT');
    expect(text).toContain('A note with &lt;tags&gt; &amp; ampersands.');
    expect(text).toContain('Confirm within 60 s (until 2026-11-22 06:01:00 UTC).');
  });

  it('escapes names and reasons', () => {
    expect(renderCard(intent, { kind: 'queued', confirmedBy: 'Ann <desk & co>' })).toContain('Confirmed by Ann &lt;desk &amp; co&gt;');
    expect(renderCard(intent, { kind: 'failed', reason: '<b>x</b> & y' })).toContain('❌ Not placed: &lt;b&gt;x&lt;/b&gt; &amp; y');
  });

  it('shows a resting order with its id and price', () => {
    expect(renderCard(intent, cardStateOfOrder(order({})))).toContain('✅ Placed: order <code>4242</code>, resting at 60,000.00 USDT.');
  });

  it('says a placed stop-limit waits for its trigger and sells down to its limit, not that it rests at the limit', () => {
    const stop = order({ side: 'SELL', type: 'STOP_LOSS_LIMIT', price: '114425.00000000', stopPrice: '115000.00000000' });
    expect(renderCard(intent, cardStateOfOrder(stop))).toContain(
      '✅ Placed: order <code>4242</code>, waiting: it triggers at 115,000.00 USDT and then sells down to 114,425.00 USDT.',
    );
  });

  it('shows a fill with executed quantity, average price (quote ÷ quantity) and commission per asset', () => {
    const filled = order({
      status: 'FILLED',
      type: 'MARKET',
      executedQty: '0.25000000',
      cummulativeQuoteQty: '15001.25000000',
      fills: [
        { price: '60000', qty: '0.1', commission: '0.0001', commissionAsset: 'BTC', tradeId: 1 },
        { price: '60008.33', qty: '0.15', commission: '0.00015', commissionAsset: 'BTC', tradeId: 2 },
      ],
    });
    const text = renderCard({ ...intent, preview: { ...intent.preview, type: 'MARKET' } }, cardStateOfOrder(filled));
    expect(text).toContain('✅ Filled: <b>0.25000 BTC</b> at avg <b>60,005.00 USDT</b> = 15,001.25 USDT');
    expect(text).toContain('Fee: 0.00025 BTC');
    expect(text).not.toContain('Last price');
  });

  it('says what happened to the rest of a partial fill', () => {
    const partial = order({ status: 'PARTIALLY_FILLED', executedQty: '0.1', cummulativeQuoteQty: '6000' });
    expect(renderCard(intent, cardStateOfOrder(partial))).toContain('◐ Partially filled: <b>0.10000</b> of 0.25000 BTC at avg <b>60,000.00 USDT</b>');
    expect(renderCard(intent, cardStateOfOrder(partial))).toContain('the rest is resting');
    const expired = order({ status: 'EXPIRED', type: 'MARKET', executedQty: '0.1', cummulativeQuoteQty: '6000' });
    expect(renderCard(intent, cardStateOfOrder(expired))).toContain('the rest expired');
  });

  it('tells the trader to check /orders when the outcome stayed unknown', () => {
    expect(renderCard(intent, { kind: 'failed', reason: 'No answer.', uncertain: true })).toContain('⚠️ Not confirmed: No answer. Check /orders before trying again.');
  });
});
