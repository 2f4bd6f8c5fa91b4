/**
 * Fills reach the trader exactly once, through the simulator's real WebSocket API: live, across a
 * dropped stream (reconciliation), across serverShutdown and connection rollovers, and when the
 * same event arrives twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUserStreamClient } from '../../src/binance/user-stream-client.js';
import type { ExecutionReport, UserDataEvent } from '../../src/binance/user-data-events.js';
import { createLogger } from '../../src/logger.js';
import { readUserStreamStatus } from '../../src/alerts/user-stream-service.js';
import { validateTelegramHtml } from '../support/fake-bot-api.js';
import { eventually, sleep } from '../support/wait.js';
import { startStreamHarness, TRADER_ID, type StreamHarness } from './stream-harness.js';

const logger = createLogger({ level: 'silent' });
let h: StreamHarness;

const fillsOf = (orderId: number) => (job: { key: string }) => job.key.startsWith('fill-') && job.key.includes(`-${orderId}-`);

beforeEach(async () => {
  h = await startStreamHarness();
});

afterEach(async () => {
  await h.close();
});

describe('user stream service: live fills', () => {
  it('a stop that fills produces one alert, to the chat of its record, with the result against entry', async () => {
    const service = h.startService();
    await h.subscribed(service);
    const stop = await h.stopLimitSell('64000', '63900', '0.01', 'stop-test-1');
    await h.records.save({
      clientOrderId: stop.clientOrderId,
      intentId: 'stopintent000001',
      userId: TRADER_ID,
      chatId: -100555,
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_LOSS_LIMIT',
      orderId: stop.orderId,
      status: 'NEW',
      origQty: '0.01',
      executedQty: '0',
      cummulativeQuoteQty: '0',
      price: '63900',
      placedAt: Date.now(),
      updatedAt: Date.now(),
      entryPrice: '66000',
    } as Parameters<typeof h.records.save>[0]);
    h.sim.feed.setPrice('BTCUSDT', '63950');
    const [alert] = await h.waitForAlerts(1, fillsOf(stop.orderId));
    expect(alert).toMatchObject({ chatId: -100555, userId: TRADER_ID, category: 'fill' });
    expect(alert!.text).toContain('Stop filled');
    expect(alert!.text).toContain('Result against entry 66,000.00');
    expect(validateTelegramHtml(alert!.text)).toBeUndefined();
    await expect.poll(async () => (await h.records.get(stop.clientOrderId))?.status === 'FILLED', { message: 'the record to show FILLED' }).toBeTruthy();
    await sleep(300);
    expect(await h.alerts()).toHaveLength(1);
  });

  it('the same event delivered twice gives one alert', async () => {
    const service = h.startService();
    await h.subscribed(service);
    // A second, independent subscription captures the very frames the service receives.
    const seen: UserDataEvent[] = [];
    const tap = createUserStreamClient({ wsApiUrl: h.sim.wsApiUrl, apiKey: h.sim.apiKey, signer: h.sim.signer, logger, onEvent: (e) => void seen.push(e) });
    tap.start();
    try {
      await expect.poll(() => tap.snapshot().state === 'subscribed', { message: 'the tap' }).toBeTruthy();
      const order = await h.limit('BUY', '64000', '0.01');
      h.sim.feed.setPrice('BTCUSDT', '63990');
      await h.waitForAlerts(1, fillsOf(order.orderId));
      const trade = await eventually(
        () => seen.find((e): e is ExecutionReport => e.e === 'executionReport' && e.i === order.orderId && e.x === 'TRADE'),
        'the captured fill',
      );
      await service.execution.onExecutionReport(trade);
      await service.execution.onExecutionReport(trade);
      await sleep(200);
      expect((await h.alerts()).filter(fillsOf(order.orderId))).toHaveLength(1);
    } finally {
      await tap.close();
    }
  });
});

describe('user stream service: gaps', () => {
  it('stream dropped, two orders fill while it is down, stream back: exactly two alerts, each once', async () => {
    const service = h.startService();
    await h.subscribed(service);
    const a = await h.limit('BUY', '64000', '0.01');
    const b = await h.limit('BUY', '63500', '0.02');
    await expect.poll(async () => (await h.redis.hlen(`${h.prefix}:ua:open`)) === 2, { message: 'both orders tracked as open' }).toBeTruthy();

    h.proxy.setDown(true);
    await expect.poll(() => service.status().stream?.state === 'reconnecting', { message: 'the stream to notice' }).toBeTruthy();
    h.sim.feed.setPrice('BTCUSDT', '63400');
    await expect.poll(() => h.sim.control.orders('BTCUSDT').filter((o) => o.status === 'FILLED').length === 2, { message: 'both fills on the exchange' }).toBeTruthy();
    await sleep(300);
    expect(await h.alerts()).toHaveLength(0);

    h.proxy.setDown(false);
    const alerts = await h.waitForAlerts(2);
    await sleep(500);
    const all = await h.alerts();
    expect(all).toHaveLength(2);
    expect(all.filter(fillsOf(a.orderId))).toHaveLength(1);
    expect(all.filter(fillsOf(b.orderId))).toHaveLength(1);
    for (const alert of alerts) {
      expect(alert.text).toContain('found on reconnect');
      expect(alert.text).toContain('placed outside the bot');
    }
    expect(service.status().stream!.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('serverShutdown: reconnects at once and loses no fill', async () => {
    const service = h.startService();
    await h.subscribed(service);
    const orders = [];
    for (const [i, price] of ['64900', '64800', '64700'].entries()) {
      const order = await h.limit('BUY', price, '0.01');
      orders.push(order);
      h.sim.control.faults.announceShutdown();
      // The fill lands while the old connection closes and the new one subscribes.
      h.sim.feed.setPrice('BTCUSDT', String(Number(price) - 10));
      await h.waitForAlerts(i + 1);
    }
    await sleep(500);
    const all = await h.alerts();
    expect(all).toHaveLength(3);
    for (const order of orders) expect(all.filter(fillsOf(order.orderId))).toHaveLength(1);
    expect(service.status().stream!.reconnects).toBeGreaterThanOrEqual(3);
  });

  it('connection rollovers (overlapping connections deliver duplicates) never double an alert', async () => {
    const service = h.startService({ stream: { maxConnectionAgeMs: 150, backoff: { initialMs: 50, maxMs: 200 } } });
    await h.subscribed(service);
    const orders = [];
    for (let i = 0; i < 5; i++) {
      orders.push(await h.limit('BUY', String(64_900 - i * 100), '0.001'));
      h.sim.feed.setPrice('BTCUSDT', String(64_890 - i * 100));
      await sleep(60);
    }
    await h.waitForAlerts(5);
    await sleep(500);
    const all = await h.alerts();
    expect(all).toHaveLength(5);
    for (const order of orders) expect(all.filter(fillsOf(order.orderId))).toHaveLength(1);
  });

  it('publishes its state for /status in the bot process', async () => {
    expect(await readUserStreamStatus(h.redis, h.prefix)).toEqual({ state: 'not-running' });
    const service = h.startService();
    await h.subscribed(service);
    await expect.poll(async () => (await readUserStreamStatus(h.redis, h.prefix)).state === 'connected', { message: 'the published state' }).toBeTruthy();
    expect((await readUserStreamStatus(h.redis, h.prefix)).holder).toBe(service.status().holder);
    expect(await h.registry.metrics()).toContain('binance_chatops_user_stream_state{state="subscribed"} 1');
  });
});
