/**
 * Candle closes from the market streams, against the simulator's stream server over a real
 * WebSocket: each close announced once per followed stream, streams added and dropped live, and
 * a reconnect after the server shuts the connection down, catching up on the newest close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createKlineStreamClient, type KlineClose, type KlineStreamClient } from '../../src/binance/kline-stream-client.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { eventually } from '../support/wait.js';

describe('kline stream client', () => {
  let sim: TestSimulator | undefined;
  let client: KlineStreamClient | undefined;
  afterEach(async () => {
    await client?.close();
    await sim?.close();
  });

  const ready = (streams: number) =>
    eventually(() => {
      const s = client!.state();
      return s.connected && s.streams === streams && s.pending === 0 ? true : undefined;
    }, `${streams} stream(s) subscribed`);

  it('announces each close once, follows streams live, and catches up after a reconnect', async () => {
    sim = await startTestSimulator({ prices: { BTCUSDT: '65000', ETHUSDT: '3500' } });
    const closes: KlineClose[] = [];
    client = createKlineStreamClient({ url: sim.streamUrl, logger: createLogger({ level: 'silent' }), onClose: (c) => closes.push(c), backoff: { firstMs: 50, maxMs: 200 }, flushMs: 20 });
    const closeTimeOf = (symbol: string) => sim!.feed.klines(symbol, '1h', { limit: 1 })[0]![6];

    client.follow([{ symbol: 'BTCUSDT', interval: '1h' }]);
    await ready(1);
    // The first event of a stream names the newest close (the candle before the forming one).
    sim.feed.setPrice('BTCUSDT', '65100');
    const forming = sim.feed.klines('BTCUSDT', '1h', { limit: 1 })[0]!;
    await expect.poll(() => closes.length === 1, { message: 'the catch-up close' }).toBeTruthy();
    expect(closes[0]).toEqual({ symbol: 'BTCUSDT', interval: '1h', closeTime: forming[0] - 1 });

    const first = closeTimeOf('BTCUSDT');
    sim.feed.closeCandle('BTCUSDT', '1h');
    sim.feed.setPrice('BTCUSDT', '65200');
    sim.feed.setPrice('BTCUSDT', '65300');
    await expect.poll(() => closes.length === 2, { message: 'the close' }).toBeTruthy();
    expect(closes[1]).toEqual({ symbol: 'BTCUSDT', interval: '1h', closeTime: first });

    client.follow([{ symbol: 'ETHUSDT', interval: '1h' }]);
    await ready(1);
    sim.feed.setPrice('ETHUSDT', '3510');
    const eth = closeTimeOf('ETHUSDT');
    sim.feed.closeCandle('ETHUSDT', '1h');
    sim.feed.closeCandle('BTCUSDT', '1h');
    await expect.poll(() => closes.some((c) => c.symbol === 'ETHUSDT' && c.closeTime === eth), { message: 'the ETHUSDT close' }).toBeTruthy();
    sim.feed.setPrice('BTCUSDT', '65400');
    expect(closes.filter((c) => c.symbol === 'BTCUSDT')).toHaveLength(2);

    sim.control.faults.announceShutdown();
    await expect.poll(() => client!.state().reconnects >= 1 && client!.state().connected, { message: 'a reconnect' }).toBeTruthy();
    await ready(1);
    const after = closeTimeOf('ETHUSDT');
    sim.feed.closeCandle('ETHUSDT', '1h');
    await expect.poll(() => closes.some((c) => c.symbol === 'ETHUSDT' && c.closeTime === after), { message: 'a close after the reconnect' }).toBeTruthy();
    // Never twice, never backwards.
    const eths = closes.filter((c) => c.symbol === 'ETHUSDT').map((c) => c.closeTime);
    expect(eths).toEqual([...new Set(eths)].sort((a, b) => a - b));
  });
});
