/**
 * Market reads shared between concurrent pricings of one symbol (src/binance/shared-reads.ts),
 * counted at the paper exchange over the real HTTP path.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharingMarketReads } from '../../src/binance/shared-reads.js';
import { startStreamHarness, type StreamHarness } from '../alerts/stream-harness.js';

let h: StreamHarness;
beforeEach(async () => {
  h = await startStreamHarness();
});
afterEach(async () => {
  await h.close();
});

const requestsTo = (path: string) => h.sim.control.requests().filter((r) => r.path === path).length;

describe('shared market reads', () => {
  it('fifty concurrent pricings of one symbol cost one request per read; another symbol asks on its own', async () => {
    const client = sharingMarketReads(h.exchange, { ttlMs: 60_000 });
    const before = { price: requestsTo('/api/v3/ticker/price'), avg: requestsTo('/api/v3/avgPrice') };
    const answers = await Promise.all(Array.from({ length: 50 }, () => Promise.all([client.tickerPrice('BTCUSDT'), client.avgPrice('BTCUSDT')])));
    expect(new Set(answers.map(([t]) => t.price)).size).toBe(1);
    expect(requestsTo('/api/v3/ticker/price')).toBe(before.price + 1);
    expect(requestsTo('/api/v3/avgPrice')).toBe(before.avg + 1);
    await client.tickerPrice('ETHUSDT');
    expect(requestsTo('/api/v3/ticker/price')).toBe(before.price + 2);
  });

  it('asks again once the answer is older than the window, and never remembers a failure', async () => {
    let at = 1_000;
    const client = sharingMarketReads(h.exchange, { ttlMs: 250, now: () => at });
    const before = requestsTo('/api/v3/ticker/price');
    const first = await client.tickerPrice('BTCUSDT');
    at += 249;
    await client.tickerPrice('BTCUSDT');
    expect(requestsTo('/api/v3/ticker/price')).toBe(before + 1);
    h.sim.feed.setPrice('BTCUSDT', '70000');
    at += 2;
    const second = await client.tickerPrice('BTCUSDT');
    expect(requestsTo('/api/v3/ticker/price')).toBe(before + 2);
    expect(second.price).not.toBe(first.price);

    await expect(client.tickerPrice('NOSUCHPAIR')).rejects.toThrow();
    await expect(client.tickerPrice('NOSUCHPAIR')).rejects.toThrow();
    expect(requestsTo('/api/v3/ticker/price')).toBe(before + 4);
  });

  it('by default shares only a read in flight: a call after the answer asks again', async () => {
    const client = sharingMarketReads(h.exchange);
    const before = requestsTo('/api/v3/ticker/price');
    await Promise.all([client.tickerPrice('BTCUSDT'), client.tickerPrice('BTCUSDT')]);
    expect(requestsTo('/api/v3/ticker/price')).toBe(before + 1);
    h.sim.feed.setPrice('BTCUSDT', '71000');
    expect((await client.tickerPrice('BTCUSDT')).price).toMatch(/^71000/);
    expect(requestsTo('/api/v3/ticker/price')).toBe(before + 2);
  });

  it('passes everything else through to the client', async () => {
    const client = sharingMarketReads(h.exchange);
    expect(client.usage()).toEqual(h.exchange.usage());
    expect((await client.account()).balances.length).toBeGreaterThan(0);
  });
});
