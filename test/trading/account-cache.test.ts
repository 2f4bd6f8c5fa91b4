/**
 * The account's balances kept by the user data stream (src/trading/account-cache.ts): what the
 * stream-holding worker writes through the simulator's real WebSocket API, when readers may trust
 * it, and what a pricing read costs with and without it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccountCache, createAccountCacheWriter, readingAccountFrom } from '../../src/trading/account-cache.js';
import type { Account } from '../../src/binance/types.js';
import { startStreamHarness, type StreamHarness } from '../alerts/stream-harness.js';

let h: StreamHarness;

beforeEach(async () => {
  h = await startStreamHarness();
});

afterEach(async () => {
  await h.close();
});

const poll = { timeout: 15_000, interval: 25 };
const freeOf = (account: Account | undefined, asset: string) => account?.balances.find((b) => b.asset === asset)?.free;
const accountReads = () => h.sim.control.requests().filter((r) => r.path === '/api/v3/account').length;

describe('account cache', () => {
  it('is fresh once the stream holder has its snapshot, follows each fill, and agrees with the exchange', async () => {
    const cache = createAccountCache({ redis: h.redis, prefix: h.prefix });
    expect(await cache.read()).toBeUndefined();

    const service = h.startService();
    await h.subscribed(service);
    await expect.poll(() => cache.read(), poll).toBeDefined();
    const before = await h.exchange.account();
    expect(freeOf(await cache.read(), 'USDT')).toBe(freeOf(before, 'USDT'));

    await h.limit('BUY', '70000', '0.01');
    const after = await h.exchange.account();
    expect(freeOf(after, 'BTC')).not.toBe(freeOf(before, 'BTC'));
    await expect.poll(async () => freeOf(await cache.read(), 'BTC'), poll).toBe(freeOf(after, 'BTC'));
    expect(freeOf(await cache.read(), 'USDT')).toBe(freeOf(after, 'USDT'));
    expect((await cache.read())?.commissionRates).toEqual(after.commissionRates);
  });

  it('turns stale the moment the stream drops, and fresh again only after the next snapshot', async () => {
    const cache = createAccountCache({ redis: h.redis, prefix: h.prefix });
    const service = h.startService();
    await h.subscribed(service);
    await expect.poll(() => cache.read(), poll).toBeDefined();

    h.proxy.setDown(true);
    await expect.poll(() => cache.read(), poll).toBeUndefined();
    // A fill while the stream is down is not in the cache; a reader must not be shown the old balance.
    h.sim.feed.setPrice('BTCUSDT', '60000');
    await h.exchange.newOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.02' });
    expect(await cache.read()).toBeUndefined();

    h.proxy.setDown(false);
    const exchangeBtc = freeOf(await h.exchange.account(), 'BTC');
    await expect.poll(async () => freeOf(await cache.read(), 'BTC'), poll).toBe(exchangeBtc);
  });

  it('stops being fresh when the holder closes, and expires on its own when the holder dies', async () => {
    const cache = createAccountCache({ redis: h.redis, prefix: h.prefix });
    const service = h.startService();
    await h.subscribed(service);
    await expect.poll(() => cache.read(), poll).toBeDefined();
    await service.close();
    expect(await cache.read()).toBeUndefined();

    // A holder that dies renews nothing: the freshness it set lapses after freshForMs.
    const writer = createAccountCacheWriter({ redis: h.redis, prefix: h.prefix, freshForMs: 150 });
    await writer.replace(await h.exchange.account());
    expect(await cache.read()).toBeDefined();
    await expect.poll(() => cache.read(), poll).toBeUndefined();
  });

  it('never lets an update older than what it holds win', async () => {
    const cache = createAccountCache({ redis: h.redis, prefix: h.prefix });
    const writer = createAccountCacheWriter({ redis: h.redis, prefix: h.prefix, freshForMs: 60_000 });
    const account = await h.exchange.account();
    await writer.replace({ ...account, updateTime: 2_000 });
    await writer.apply({ u: 1_000, B: [{ a: 'USDT', f: '1.00000000', l: '0.00000000' }] });
    expect(freeOf(await cache.read(), 'USDT')).toBe(freeOf(account, 'USDT'));
    await writer.apply({ u: 3_000, B: [{ a: 'USDT', f: '5.00000000', l: '2.00000000' }, { a: 'BNB', f: '0.1', l: '0' }] });
    const read = await cache.read();
    expect(read?.balances.find((b) => b.asset === 'USDT')).toEqual({ asset: 'USDT', free: '5.00000000', locked: '2.00000000' });
    expect(freeOf(read, 'BNB')).toBe('0.1');
    // The stream's event carries only what moved: the rest of the snapshot stays.
    expect(freeOf(read, 'BTC')).toBe(freeOf(account, 'BTC'));

    // A snapshot read before those events but written after them cannot undo them, and drops only
    // the assets it is newer than.
    await writer.replace({ ...account, updateTime: 2_500, balances: account.balances.filter((b) => b.asset !== 'BNB') });
    const after = await cache.read();
    expect(freeOf(after, 'USDT')).toBe('5.00000000');
    expect(freeOf(after, 'BNB')).toBe('0.1');
    await writer.replace({ ...account, updateTime: 4_000, balances: account.balances.filter((b) => b.asset !== 'BNB') });
    const latest = await cache.read();
    expect(freeOf(latest, 'USDT')).toBe(freeOf(account, 'USDT'));
    expect(freeOf(latest, 'BNB')).toBeUndefined();

    // One event naming several assets is judged per asset: the one held newer stays, the other is written.
    await writer.apply({ u: 3_500, B: [{ a: 'USDT', f: '9.00000000', l: '0.00000000' }, { a: 'BNB', f: '0.2', l: '0' }] });
    const mixed = await cache.read();
    expect(freeOf(mixed, 'USDT')).toBe(freeOf(account, 'USDT'));
    expect(freeOf(mixed, 'BNB')).toBe('0.2');
  });

  it('a pricing client reads the cache while it is fresh and pays the exchange otherwise', async () => {
    const cache = createAccountCache({ redis: h.redis, prefix: h.prefix });
    const client = readingAccountFrom(h.exchange, cache);
    let reads = accountReads();
    await client.account();
    expect(accountReads()).toBe(reads + 1);

    const writer = createAccountCacheWriter({ redis: h.redis, prefix: h.prefix, freshForMs: 60_000 });
    await writer.replace(await h.exchange.account());
    reads = accountReads();
    const cached = await client.account();
    expect(accountReads()).toBe(reads);
    expect(freeOf(cached, 'USDT')).toBe(freeOf(await h.exchange.account(), 'USDT'));
    // Everything else is the client's own.
    expect(client.usage()).toEqual(h.exchange.usage());

    await writer.markStale();
    reads = accountReads();
    await client.account();
    expect(accountReads()).toBe(reads + 1);
  });
});
