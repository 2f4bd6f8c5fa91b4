/**
 * Order updates → records → alerts, exactly once, on real Redis. Events are the captured frames
 * and the hand-made templates in ../shared/fixtures/user_data; where a test needs the next step of
 * an order (its second fill, say) it is derived from a template by changing only the fields that
 * step changes, and says so.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import { parseUserDataFrame, type ExecutionReport } from '../../src/binance/user-data-events.js';
import type { Order } from '../../src/binance/types.js';
import { createExecutionAlerts, updateFromOrder, type ExecutionAlerts } from '../../src/alerts/execution-alerts.js';
import { createAlertLedger, type AlertLedger } from '../../src/alerts/alert-ledger.js';
import { createOrderRecords, type OrderRecord, type OrderRecords } from '../../src/trading/orders/order-records.js';
import type { AlertJob, AlertSink } from '../../src/trading/types.js';
import { validateTelegramHtml } from '../support/fake-bot-api.js';
import { fixture } from '../support/fixtures.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';

const logger = createLogger({ level: 'silent' });
const ALLOWED = [1001, 2002];

const templates = fixture<{ templates: Array<{ file: string; frame: unknown }> }>('user_data/binance_user_data_events_templates_nautilus.json').templates;
const real = fixture<{ sessions: Array<{ label: string; frames: unknown[] }> }>('user_data/binance_user_data_events_real.json').sessions;

function report(frame: unknown): ExecutionReport {
  const parsed = parseUserDataFrame(frame);
  if (parsed.kind !== 'event' || parsed.event.e !== 'executionReport') throw new Error('not an executionReport fixture');
  return parsed.event;
}
const template = (name: string) => report(templates.find((t) => t.file.endsWith(`${name}.json`))!.frame);
const realFrames = (label: string) => real.find((s) => s.label.startsWith(label))!.frames.map((f) => parseUserDataFrame(f));

class CapturingSink implements AlertSink {
  jobs: AlertJob[] = [];
  failNext = 0;
  async enqueue(job: AlertJob): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('queue unavailable');
    }
    this.jobs.push(job);
  }
}

let redis: Redis;
let prefix: string;
let sink: CapturingSink;
let records: OrderRecords;
let alerts: ExecutionAlerts;

function build(overrides: Partial<Parameters<typeof createExecutionAlerts>[0]> = {}): ExecutionAlerts {
  return createExecutionAlerts({ redis, prefix, records, alerts: sink, allowedUsers: ALLOWED, logger, ...overrides });
}

function recordFor(r: ExecutionReport, owner: { chatId: number; userId: number }, extra: Partial<OrderRecord> = {}): OrderRecord {
  return {
    clientOrderId: r.C !== '' ? r.C : r.c,
    intentId: 'intent0000000000',
    userId: owner.userId,
    chatId: owner.chatId,
    symbol: r.s,
    side: r.S,
    type: r.o as OrderRecord['type'],
    orderId: r.i,
    status: 'NEW',
    origQty: r.q,
    executedQty: '0',
    cummulativeQuoteQty: '0',
    price: r.p,
    placedAt: 1,
    updatedAt: 1,
    ...extra,
  };
}

beforeAll(() => {
  redis = createRedisConnection(testRedisUrl(), 'producer', logger);
});

afterAll(() => {
  redis.disconnect();
});

beforeEach(() => {
  prefix = uniquePrefix('xa');
  sink = new CapturingSink();
  records = createOrderRecords({ redis, prefix });
  alerts = build();
});

describe('execution alerts: one alert per execution', () => {
  it('alerts a real MARKET fill once to every allowed user when the order was placed outside the bot', async () => {
    const frames = realFrames('B').filter((p) => p.kind === 'event' && p.event.e === 'executionReport');
    const [placed, filled] = frames.map((p) => (p as { event: ExecutionReport }).event) as [ExecutionReport, ExecutionReport];
    await alerts.onExecutionReport(placed);
    expect(sink.jobs).toEqual([]);
    await alerts.onExecutionReport(filled);
    await alerts.onExecutionReport(filled);
    expect(sink.jobs.map((j) => j.chatId)).toEqual(ALLOWED);
    for (const job of sink.jobs) {
      expect(job.category).toBe('fill');
      expect(job.key).toContain(`x${filled.I}`);
      expect(job.text).toContain('<b>Filled</b>');
      expect(job.text).toContain('placed outside the bot');
      expect(validateTelegramHtml(job.text)).toBeUndefined();
    }
  });

  it('lets exactly one of two racing workers claim the same execution', async () => {
    const other = build();
    const event = template('ws_spot_execution_report_trade');
    await Promise.all([alerts.onExecutionReport(event), other.onExecutionReport(event), alerts.onExecutionReport(event)]);
    expect(sink.jobs).toHaveLength(ALLOWED.length);
  });

  it('tells only the chat on the order record, updates the record, and reports quantity, price, commission and remaining', async () => {
    const partial = template('ws_spot_execution_report_trade');
    await records.save(recordFor(partial, { chatId: -100777, userId: 1001 }));
    await alerts.onExecutionReport(partial);
    expect(sink.jobs).toHaveLength(1);
    const [job] = sink.jobs as [AlertJob];
    expect(job).toMatchObject({ chatId: -100777, userId: 1001, category: 'fill' });
    expect(job.text).toContain('Partially filled');
    expect(job.text).toContain('0.5'); // quantity
    expect(job.text).toContain('2,499.5'); // price
    expect(job.text).toContain('Commission: 0.0005 ETH');
    expect(job.text).toContain('remaining 0.5');
    expect(job.text).not.toContain('outside the bot');
    const stored = await records.get(partial.c);
    expect(stored).toMatchObject({ status: 'PARTIALLY_FILLED', executedQty: '0.50000000', cummulativeQuoteQty: '1249.75000000' });

    // Derived: the order's second and last fill (only l, z, Z, X, I, t change).
    const rest = { ...partial, X: 'FILLED', l: '0.50000000', z: '1.00000000', L: '2500.50000000', Z: '2500.00000000', I: partial.I + 1, t: partial.t + 1 };
    await alerts.onExecutionReport(rest);
    expect(sink.jobs).toHaveLength(2);
    expect(sink.jobs[1]!.text).toContain('<b>Filled</b>');
    expect((await records.get(partial.c))?.status).toBe('FILLED');
    // A late duplicate of the first fill changes nothing, not even the record.
    await alerts.onExecutionReport(partial);
    expect(sink.jobs).toHaveLength(2);
    expect((await records.get(partial.c))?.status).toBe('FILLED');
  });

  it('reports a filled stop against its entry price when the record has one', async () => {
    const stop = template('ws_spot_execution_report_new_stop_limit_price_match');
    // Derived: the stop-limit SELL triggered and filled in full at 2,390.
    const fill = { ...stop, S: 'SELL' as const, x: 'TRADE', X: 'FILLED', l: '1.00000000', z: '1.00000000', L: '2390.00000000', Z: '2390.00000000', n: '2.39', N: 'USDT', I: stop.I + 1, t: 77 };
    await records.save({ ...recordFor(stop, { chatId: 1001, userId: 1001 }), side: 'SELL', entryPrice: '2500' } as OrderRecord);
    await alerts.onExecutionReport(stop);
    await alerts.onExecutionReport(fill);
    expect(sink.jobs).toHaveLength(1);
    expect(sink.jobs[0]!.text).toContain('Stop filled');
    expect(sink.jobs[0]!.text).toMatch(/Result against entry 2,500(\.0+)?: <b>−110/);
    expect(sink.jobs[0]!.text).toContain('−4.40%');
  });
});

describe('execution alerts: cancels, expiries, rejections', () => {
  it('names the original order on a cancel (C) and alerts it once, to the chat on its record', async () => {
    const [placed, cancel] = realFrames('A')
      .filter((p) => p.kind === 'event' && p.event.e === 'executionReport')
      .map((p) => (p as { event: ExecutionReport }).event) as [ExecutionReport, ExecutionReport];
    expect(cancel.c).not.toBe(placed.c);
    await records.save(recordFor(placed, { chatId: 1001, userId: 1001 }));
    await alerts.onExecutionReport(placed);
    await alerts.onExecutionReport(cancel);
    await alerts.onExecutionReport(cancel);
    expect(sink.jobs).toHaveLength(1);
    expect(sink.jobs[0]).toMatchObject({ chatId: 1001, category: 'fill' });
    expect(sink.jobs[0]!.key).toMatch(/^canceled-BTCUSDT-339230-x679407-c1001$/);
    expect(sink.jobs[0]!.text).toContain('Cancelled');
    expect(sink.jobs[0]!.text).toContain('9,000');
    expect((await records.get(placed.c))?.status).toBe('CANCELED');
  });

  it('reports what filled before a cancel', async () => {
    // The template's z = 0.1 was never reported by a fill event: the cancel alert is preceded by it.
    await alerts.onExecutionReport(template('ws_spot_execution_report_canceled'));
    const mine = sink.jobs.filter((j) => j.chatId === ALLOWED[0]);
    expect(mine.map((j) => j.key.split('-')[0])).toEqual(['fill', 'canceled']);
    expect(mine[1]!.text).toContain('Filled before it ended: 0.1');
  });

  it('gives the expiry reason in plain words and the code', async () => {
    const expired = { ...template('ws_spot_execution_report_expired'), eR: 'INSUFFICIENT_LIQUIDITY' };
    await alerts.onExecutionReport(expired);
    expect(sink.jobs).toHaveLength(ALLOWED.length);
    expect(sink.jobs[0]!.text).toContain('Expired');
    expect(sink.jobs[0]!.text).toContain('not enough orders in the book to match (INSUFFICIENT_LIQUIDITY)');
  });

  it('sends a rejection as an order error', async () => {
    await alerts.onExecutionReport(template('ws_spot_execution_report_rejected'));
    expect(sink.jobs.map((j) => j.category)).toEqual(['error', 'error']);
    expect(sink.jobs[0]!.text).toContain('GTX_ORDER_REJECT');
  });
});

describe('execution alerts: what the chat already saw is not pushed again', () => {
  it('an event that beats the order worker waits for its record: the placement fills are on the card', async () => {
    const fill = { ...template('ws_spot_execution_report_trade'), c: 'bco-AbCdEfGhIjKlMnOp' };
    const intents = { get: async (id: string) => (id === 'AbCdEfGhIjKlMnOp' ? ({ intent: { chatId: 1001, userId: 1001 } } as never) : undefined) };
    const withIntents = build({ intents });
    // The worker saves the record with the placement's answer a moment after the event arrived.
    setTimeout(() => void records.save(recordFor(fill, { chatId: 1001, userId: 1001 }, { status: 'PARTIALLY_FILLED', executedQty: '0.5' })), 100);
    await withIntents.onExecutionReport(fill);
    expect(sink.jobs).toEqual([]);
    // The mark moved all the same: reconciliation later finds nothing new to report.
    expect((await withIntents.ledger.readMark(fill.s, fill.i)).filled).toBe('0.5');
  });

  it('an event whose record never comes is pushed to the intent’s chat rather than lost', async () => {
    const fill = { ...template('ws_spot_execution_report_trade'), c: 'bco-AbCdEfGhIjKlMnOq' };
    const intents = { get: async () => ({ intent: { chatId: -100900, userId: 1001 } }) as never };
    await build({ intents, recordWaitMs: 100 }).onExecutionReport(fill);
    expect(sink.jobs.map((j) => j.chatId)).toEqual([-100900]);
    expect(sink.jobs[0]!.text).not.toContain('outside the bot');
  });

  it('a cancel the bot already answered (record CANCELED) or a stop move (replacedBy) gets no push', async () => {
    const [placed, cancel] = realFrames('A')
      .filter((p) => p.kind === 'event' && p.event.e === 'executionReport')
      .map((p) => (p as { event: ExecutionReport }).event) as [ExecutionReport, ExecutionReport];
    await records.save(recordFor(placed, { chatId: 1001, userId: 1001 }, { status: 'CANCELED' }));
    await alerts.onExecutionReport(cancel);
    expect(sink.jobs).toEqual([]);

    const stop = template('ws_spot_execution_report_new_stop_limit_price_match');
    // Derived: the stop manager moved this stop (cancelReplace): the old order is cancelled.
    const moved = { ...stop, x: 'CANCELED', X: 'CANCELED', c: 'cancel-req-1', C: stop.c, I: stop.I + 1 };
    await records.save(recordFor(stop, { chatId: 1001, userId: 1001 }, { replacedBy: 'successor-1' }));
    await alerts.onExecutionReport(stop);
    await alerts.onExecutionReport(moved);
    expect(sink.jobs).toEqual([]);
    expect((await records.get(stop.c))?.status).toBe('CANCELED');
  });
});

describe('execution alerts: reconciliation and late events', () => {
  const asOrder = (r: ExecutionReport, patch: Partial<Order>): Order => ({
    symbol: r.s,
    orderId: r.i,
    orderListId: -1,
    clientOrderId: r.c,
    price: r.p,
    origQty: r.q,
    executedQty: r.z,
    cummulativeQuoteQty: r.Z,
    status: r.X as Order['status'],
    timeInForce: 'GTC',
    type: r.o as Order['type'],
    side: r.S,
    stopPrice: r.P,
    time: r.O,
    updateTime: r.T,
    ...patch,
  });

  it('reports what filled during a gap once, and stays silent when the live events arrive late', async () => {
    const partial = template('ws_spot_execution_report_trade');
    const filled = { ...partial, X: 'FILLED', l: '0.50000000', z: '1.00000000', L: '2500.50000000', Z: '2500.00000000', I: partial.I + 1 };
    await alerts.applyOrderUpdate(updateFromOrder(asOrder(filled, {})), { mode: 'reconcile', silentIfUnseenBefore: 0 });
    expect(sink.jobs).toHaveLength(ALLOWED.length);
    expect(sink.jobs[0]!.text).toContain('found on reconnect');
    expect(sink.jobs[0]!.text).toContain('2,500'); // average of the gap: 2500 / 1
    expect(sink.jobs[0]!.key).toContain('-z1-FILLED');
    await alerts.onExecutionReport(partial);
    await alerts.onExecutionReport(filled);
    await alerts.applyOrderUpdate(updateFromOrder(asOrder(filled, {})), { mode: 'reconcile', silentIfUnseenBefore: 0 });
    expect(sink.jobs).toHaveLength(ALLOWED.length);
  });

  it('an update notes its symbol and open order, and a mark that moves before its claim is read again: still one alert', async () => {
    const partial = template('ws_spot_execution_report_trade');
    const filled = { ...partial, X: 'FILLED', l: '0.50000000', z: '1.00000000', L: '2500.50000000', Z: '2500.00000000', I: partial.I + 1 };
    const base = createAlertLedger({ redis, prefix });
    const reconciler = build();
    // Reconciliation reports the fill between this update's first read of the mark and its claim.
    const ledger: AlertLedger = {
      ...base,
      async noteUpdate(order, open, at) {
        const mark = await base.noteUpdate(order, open, at);
        if (order.orderId === filled.i && !open) await reconciler.applyOrderUpdate(updateFromOrder(asOrder(filled, {})), { mode: 'reconcile', silentIfUnseenBefore: 0 });
        return mark;
      },
    };
    const live = build({ ledger });
    await live.onExecutionReport(partial);
    expect(await base.openOrders()).toEqual([{ symbol: partial.s, orderId: partial.i, clientOrderId: partial.c }]);
    expect(await base.symbolsSince(0)).toEqual([partial.s]);
    const partialAlerts = sink.jobs.length;
    expect(partialAlerts).toBe(ALLOWED.length);
    await live.onExecutionReport(filled);
    expect(await base.openOrders()).toEqual([]);
    // The gap's alert covers the rest of the fill; the live event, claimed against the moved mark, adds nothing.
    const rest = sink.jobs.slice(partialAlerts);
    expect(rest).toHaveLength(ALLOWED.length);
    for (const job of rest) expect(job.key).toContain('-z1-FILLED-');
    expect((await base.readMark(filled.s, filled.i)).filled).toBe('1');
  });

  it('covers a missed execution with the next live one (the alert reports everything not yet reported)', async () => {
    const first = template('ws_spot_execution_report_trade');
    // Derived: q 1.5, three fills of 0.5; the second one's event is lost.
    const base = { ...first, q: '1.50000000' };
    const third = { ...base, X: 'FILLED', l: '0.50000000', z: '1.50000000', L: '2501.00000000', Z: '3750.75000000', I: first.I + 2 };
    await alerts.onExecutionReport(base);
    await alerts.onExecutionReport(third);
    const texts = sink.jobs.filter((j) => j.chatId === ALLOWED[0]).map((j) => j.text);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toMatch(/Filled<\/b>: BUY 1 on/);
    expect(texts[1]).toContain('2,501'); // (3750.75 − 1249.75) / 1
  });

  it('records old orders silently on the first run', async () => {
    const filled = template('ws_spot_execution_report_calculated');
    await alerts.applyOrderUpdate(updateFromOrder(asOrder(filled, {})), { mode: 'reconcile', silentIfUnseenBefore: Infinity });
    expect(sink.jobs).toEqual([]);
    await alerts.onExecutionReport({ ...filled, x: 'TRADE' });
    expect(sink.jobs).toEqual([]);
  });
});

describe('execution alerts: crash safety and balances', () => {
  it('keeps a claimed alert in the outbox when enqueuing fails, and delivers it exactly once later', async () => {
    const event = template('ws_spot_execution_report_trade');
    sink.failNext = 1;
    await expect(alerts.onExecutionReport(event)).rejects.toThrow('queue unavailable');
    expect(sink.jobs).toEqual([]);
    // The replayed event is a duplicate now: the claim holds, nothing is sent twice.
    await alerts.onExecutionReport(event);
    expect(sink.jobs).toEqual([]);
    expect(await build().flushOutbox()).toBe(1);
    expect(sink.jobs.map((j) => j.chatId)).toEqual(ALLOWED);
    expect(await alerts.flushOutbox()).toBe(0);
  });

});
