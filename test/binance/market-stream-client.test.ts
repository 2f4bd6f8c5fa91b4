/**
 * The one market-stream connection of the price alerts, against the simulator's stream server,
 * which drops a connection past 5 incoming messages a second as Binance does: subscription
 * changes keep within that budget (and within 1024 streams), events arrive with their stream,
 * and a drop reconnects and subscribes again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMarketStreamClient, type MarketStreamClient, type MarketStreamEvent } from '../../src/binance/market-stream-client.js';
import { createLogger } from '../../src/logger.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { eventually, sleep } from '../trading/eventually.js';

describe('market stream client', () => {
  let sim: TestSimulator | undefined;
  let client: MarketStreamClient | undefined;
  afterEach(async () => {
    await client?.close();
    await sim?.close();
  });

  it('keeps subscription changes within 5 messages a second and 1024 streams, and follows live', async () => {
    sim = await startTestSimulator({ prices: { BTCUSDT: '65000', ETHUSDT: '3500' }, ...(process.env.TEST_LOG ? { logger: createLogger({ level: 'debug' }) } : {}) });
    const events: MarketStreamEvent[] = [];
    client = createMarketStreamClient({
      url: sim.streamUrl,
      logger: createLogger({ level: 'silent' }),
      onEvent: (e) => events.push(e),
      backoff: { firstMs: 50, maxMs: 100 },
      // One stream per request: every change is a message, the budget is what holds them back.
      maxParamsPerRequest: 1,
      maxStreams: 12,
    });
    const many = Array.from({ length: 20 }, (_, i) => `sym${i}usdt@miniTicker`);
    client.follow(['btcusdt@miniTicker', ...many]);
    await sleep(50);
    client.follow(['btcusdt@miniTicker', 'ethusdt@kline_1h', ...many.slice(5)]);
    await eventually(() => (client!.state().connected && client!.state().pending === 0 ? true : undefined), 'the subscriptions settled', 20_000);
    const state = client.state();
    expect(state.reconnects).toBe(0); // never dropped by the server for flooding
    expect(state.streams).toBe(12);
    expect(state.overLimit).toBe(17 - 12);
    expect(state.requests).toBeGreaterThan(5);

    client.follow(['btcusdt@miniTicker', 'ethusdt@kline_1h']);
    await eventually(() => (client!.state().pending === 0 && client!.state().streams === 2 ? true : undefined), 'back to two streams', 20_000);
    sim.feed.setPrice('BTCUSDT', '65100');
    sim.feed.setPrice('ETHUSDT', '3510');
    await eventually(() => (events.some((e) => e.stream === 'btcusdt@miniTicker') && events.some((e) => e.stream === 'ethusdt@kline_1h') ? true : undefined), 'events of both');
    expect(events.find((e) => e.stream === 'btcusdt@miniTicker')!.data).toMatchObject({ e: '24hrMiniTicker', s: 'BTCUSDT', c: expect.stringMatching(/^65100(\.0+)?$/) as unknown });

    sim.control.faults.announceShutdown();
    await eventually(() => (client!.state().reconnects >= 1 && client!.state().connected && client!.state().pending === 0 ? true : undefined), 'a reconnect');
    events.length = 0;
    sim.feed.setPrice('BTCUSDT', '65200');
    await eventually(() => (events.some((e) => e.stream === 'btcusdt@miniTicker') ? true : undefined), 'events after the reconnect');
  });

  it('says when the server has confirmed a stream: every trade after that arrives', async () => {
    sim = await startTestSimulator({ prices: { BTCUSDT: '65000' } });
    const events: MarketStreamEvent[] = [];
    const confirmed: string[][] = [];
    client = createMarketStreamClient({
      url: sim.streamUrl,
      logger: createLogger({ level: 'silent' }),
      onEvent: (e) => events.push(e),
      onSubscribed: (streams) => {
        confirmed.push([...streams]);
        // Traded the moment the confirmation is read: the event must not be lost.
        sim!.feed.setPrice('BTCUSDT', '65001');
      },
    });
    client.follow(['btcusdt@miniTicker']);
    expect(client.isSubscribed('btcusdt@miniTicker')).toBe(false);
    await eventually(() => (confirmed.length > 0 ? true : undefined), 'the confirmation');
    expect(confirmed).toEqual([['btcusdt@miniTicker']]);
    expect(client.isSubscribed('btcusdt@miniTicker')).toBe(true);
    await eventually(() => (events.some((e) => String(e.data.c).startsWith('65001')) ? true : undefined), 'the trade traded at the confirmation');

    client.follow([]);
    expect(client.isSubscribed('btcusdt@miniTicker')).toBe(true); // until the unsubscribe is sent
    await eventually(() => (client!.state().pending === 0 ? true : undefined), 'the unsubscribe');
    expect(client.isSubscribed('btcusdt@miniTicker')).toBe(false);
  });
});
