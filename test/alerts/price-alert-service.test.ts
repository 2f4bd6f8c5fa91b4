/**
 * Price alerts evaluated from the paper exchange's market streams, end to end below the bot: the
 * simulator's real WebSocket (behind a loopback TCP proxy, to take the network away), the real
 * REST client for the catch-up, real Redis, the real BullMQ alerts queue. The tests read the
 * queue: an alert is delivered exactly once when exactly one job carries its key.
 *
 * - a scripted price path that crosses each kind (above, below, move, RSI, MACD) fires each once;
 * - a level crossed while the stream is down (up and back before it returns) is caught at reconnect;
 * - a worker that dies after the claim, before the enqueue: the next one delivers it, once;
 * - two workers: exactly one watches the symbol, and the other takes over when it goes.
 */
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlertsQueue, type AlertsQueue } from '../../src/alerts/alerts-queue.js';
import { indicatorSeries } from '../../src/alerts/price-alert-indicators.js';
import { createPriceAlertService, type PriceAlertService, type PriceAlertServiceDeps } from '../../src/alerts/price-alert-service.js';
import { createPriceAlertStore, type NewPriceAlert, type PriceAlertStore } from '../../src/alerts/price-alert-store.js';
import type { PriceAlert } from '../../src/alerts/price-alert-types.js';
import { createExchangeInfoCache } from '../../src/binance/exchange-info-cache.js';
import { candleOpenTime } from '../../src/binance/kline-intervals.js';
import { createRestClient, type RestClient } from '../../src/binance/rest-client.js';
import type { KlineRow } from '../../src/binance/types.js';
import { priceAlertFireButtons } from '../../src/bot/features/alert.js';
import { eq, mul, round } from '../../src/decimal.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/redis.js';
import type { AlertJob } from '../../src/trading/types.js';
import { klineFromRow, fixtureRows } from '../support/klines.js';
import { testRedisUrl, uniquePrefix } from '../support/redis.js';
import { startTestSimulator, type TestSimulator } from '../support/simulator.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { eventually, sleep } from '../trading/eventually.js';

const HOUR = 3_600_000;
const logger = createLogger({ level: (process.env.TEST_LOG as 'warn' | undefined) ?? 'silent' });

/** The 1h BTCUSDT capture, re-stamped so that its last candle closed just before this hour. */
function recentHourRows(): KlineRow[] {
  const rows = fixtureRows('objects1h').slice(-400);
  const shift = candleOpenTime('1h', Date.now()) - (rows[rows.length - 1]![6] + 1);
  return rows.map((r) => [r[0] + shift, r[1], r[2], r[3], r[4], r[5], r[6] + shift, r[7], r[8], r[9], r[10], r[11]] as KlineRow);
}

interface Rig {
  sim: TestSimulator;
  proxy: TcpProxy;
  exchange: RestClient;
  redis: Redis;
  prefix: string;
  store: PriceAlertStore;
  queue: AlertsQueue;
  rows: KlineRow[];
  services: PriceAlertService[];
  start(overrides?: Partial<PriceAlertServiceDeps>): Promise<PriceAlertService>;
  add(input: Omit<NewPriceAlert, 'userId' | 'chatId' | 'symbol' | 'repeat'> & Partial<NewPriceAlert>): Promise<PriceAlert>;
  jobs(): Promise<AlertJob[]>;
  live(service: PriceAlertService): Promise<void>;
  close(): Promise<void>;
}

async function startRig(): Promise<Rig> {
  const rows = recentHourRows();
  const sim = await startTestSimulator({ prices: { ETHUSDT: '3500' }, symbols: ['BTCUSDT', 'ETHUSDT'] });
  sim.feed.loadKlines('BTCUSDT', '1h', rows);
  const proxy = await startTcpProxy(Number(new URL(sim.streamUrl).port));
  const exchange = createRestClient({ baseUrl: sim.restUrl, apiKey: sim.apiKey, signer: sim.signer, logger, timeoutMs: 2_000, clockRefreshMs: 0 });
  const symbols = createExchangeInfoCache({ load: () => exchange.exchangeInfo(), logger });
  const redis = createRedisConnection(testRedisUrl(), 'producer', logger);
  const prefix = uniquePrefix('pa');
  const store = createPriceAlertStore({ redis, prefix });
  const queue = createAlertsQueue({ connection: redis, prefix });
  const services: PriceAlertService[] = [];
  const rig: Rig = {
    sim,
    proxy,
    exchange,
    redis,
    prefix,
    store,
    queue,
    rows,
    services,
    async start(overrides = {}) {
      const service = createPriceAlertService({
        redis,
        prefix,
        streamUrl: proxy.via(sim.streamUrl),
        exchange,
        alerts: queue,
        symbols,
        buttons: priceAlertFireButtons,
        logger,
        lease: { ttlMs: 1_500, renewEveryMs: 200 },
        stream: { backoff: { firstMs: 50, maxMs: 200 } },
        pollMs: 50,
        seenFlushMs: 50,
        ...overrides,
      });
      services.push(service);
      await service.start();
      return service;
    },
    async add(input) {
      const created = await store.create({ userId: 1001, chatId: 1001, symbol: 'BTCUSDT', repeat: false, ...input }, 50);
      if (created.status !== 'created') throw new Error('limit');
      return created.alert;
    },
    async jobs() {
      const jobs = await queue.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
      return jobs.sort((a, b) => a.timestamp - b.timestamp).map((j) => j.data);
    },
    async live(service) {
      // The mini-ticker pushes on trades: the current price is traded again until the watcher has caught up.
      // A trade evaluated live sets the reference of a move alert: one at the current price is waited for.
      const current = sim.feed.price('BTCUSDT')!;
      await eventually(() => {
        const state = service.state();
        if (state.live.includes('BTCUSDT') && state.stream.pending === 0 && state.evaluated.BTCUSDT !== undefined && eq(state.evaluated.BTCUSDT.price, current)) return true;
        sim.feed.setPrice('BTCUSDT', current);
        return undefined;
      }, `BTCUSDT watched live`).catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(service.state())}`); });
    },
    async close() {
      for (const s of services) await s.close();
      await queue.close();
      redis.disconnect();
      await proxy.close();
      await sim.close();
    },
  };
  return rig;
}

/** Moves the price and waits until the service has evaluated it (the event reached it and the claims settled). */
async function tick(rig: Rig, price: string): Promise<void> {
  rig.sim.feed.setPrice('BTCUSDT', price);
  await sleep(120);
}

const keysOf = (jobs: AlertJob[]) => jobs.map((j) => j.key);

describe('price alerts on the paper exchange market stream', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it('a scripted path crosses each kind: each fires once, with what crossed, the price, the time and the buttons', async () => {
    rig = await startRig();
    const last = rig.rows[rig.rows.length - 1]![4];
    const closes = rig.rows.slice(-300).map(klineFromRow);
    const rsiNow = indicatorSeries(closes).rsi.at(-1)!;
    const up = (pct: string) => round(mul(last, pct), 2, 'half-up');
    const above = await rig.add({ condition: { kind: 'above', level: up('1.02') } });
    const below = await rig.add({ condition: { kind: 'below', level: up('0.98') } });
    const move = await rig.add({ condition: { kind: 'move', pct: '3', windowMs: HOUR } });
    const rsi = await rig.add({ condition: { kind: 'rsi', op: '<', level: (Math.floor(rsiNow) - 2).toString(), interval: '1h' } });
    const macd = await rig.add({ condition: { kind: 'macd', interval: '1h' } });
    const service = await rig.start();
    await rig.live(service);
    expect(service.state().stream.streams).toBe(2); // miniTicker + kline_1h, one connection

    await tick(rig, up('1.01'));
    expect(await rig.jobs()).toEqual([]);
    await tick(rig, up('1.025'));
    await eventually(async () => ((await rig!.jobs()).length === 1 ? true : undefined), 'the above alert');
    const [aboveJob] = await rig.jobs();
    expect(aboveJob!.key).toBe(`pa-${above.id}-0`);
    expect(aboveJob!.text).toContain(`BTCUSDT</b> crossed above`);
    expect(aboveJob!.text).toMatch(/Traded at <b>[\d,]+\.\d{2}<\/b> · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(aboveJob!.buttons![0]!.map((b) => b.text)).toEqual(['📈 Chart', '🛒 Buy…']);
    expect(aboveJob!.category).toBe('price');

    await tick(rig, up('1.031'));
    await eventually(async () => (keysOf(await rig!.jobs()).includes(`pa-${move.id}-0`) ? true : undefined), 'the move alert');
    await tick(rig, up('0.975'));
    await eventually(async () => (keysOf(await rig!.jobs()).includes(`pa-${below.id}-0`) ? true : undefined), 'the below alert');
    expect((await rig.jobs()).find((j) => j.key === `pa-${below.id}-0`)!.text).toContain('crossed below');

    // The hour closes 2.5 % down: RSI(14) falls through its level on that closed candle.
    rig.sim.feed.closeCandle('BTCUSDT', '1h');
    await eventually(async () => ((await rig!.jobs()).some((j) => j.key.startsWith(`pa-${rsi.id}-0-`)) ? true : undefined), 'the RSI alert');
    expect((await rig.jobs()).find((j) => j.key.startsWith(`pa-${rsi.id}-`))!.text).toMatch(/RSI\(14\) 1h crossed under/);

    // Candles pushed against the MACD histogram until it changes sign.
    let price = up('0.975');
    for (let i = 0; i < 6 && !(await rig.jobs()).some((j) => j.key.startsWith(`pa-${macd.id}-`)); i++) {
      const hist = indicatorSeries(rig.sim.feed.klines('BTCUSDT', '1h', { limit: 300 }).map(klineFromRow).slice(0, -1)).macd.at(-1)!;
      price = round(mul(price, hist.macd - hist.signal < 0 ? '1.06' : '0.94'), 2, 'half-up');
      await tick(rig, price);
      rig.sim.feed.closeCandle('BTCUSDT', '1h');
      await sleep(200);
    }
    await eventually(async () => ((await rig!.jobs()).some((j) => j.key.startsWith(`pa-${macd.id}-`)) ? true : undefined), 'the MACD alert');

    // Every kind once, and nothing more however the price goes on.
    await tick(rig, up('1.05'));
    await tick(rig, up('0.9'));
    await sleep(300);
    const jobs = await rig.jobs();
    expect(jobs).toHaveLength(5);
    expect(new Set(keysOf(jobs)).size).toBe(5);
    expect(await rig.store.list(1001)).toEqual([]);
    expect((await rig.store.pendingOutbox()).size).toBe(0);
  });

  it('an indicator alert set on a symbol already watched live reads its candles and fires on the next close', async () => {
    rig = await startRig();
    const last = rig.rows[rig.rows.length - 1]![4];
    await rig.add({ condition: { kind: 'above', level: round(mul(last, '1.5'), 2, 'half-up') } });
    const service = await rig.start();
    await rig.live(service);
    const rsiNow = indicatorSeries(rig.rows.slice(-300).map(klineFromRow)).rsi.at(-1)!;
    const rsi = await rig.add({ condition: { kind: 'rsi', op: '<', level: (Math.floor(rsiNow) - 2).toString(), interval: '1h' } });
    await eventually(() => (service.state().alerts === 2 && service.state().stream.streams === 2 && service.state().stream.pending === 0 ? true : undefined), 'the kline stream followed');
    await sleep(200);
    await tick(rig, round(mul(last, '0.97'), 2, 'half-up'));
    rig.sim.feed.closeCandle('BTCUSDT', '1h');
    await eventually(async () => ((await rig!.jobs()).some((j) => j.key.startsWith(`pa-${rsi.id}-0-`)) ? true : undefined), 'the RSI alert');
    expect(await rig.jobs()).toHaveLength(1);
  });

  it('a level alert set on a symbol already live fires for a trade between its arming and its reaching the index, once', async () => {
    rig = await startRig();
    const last = rig.rows[rig.rows.length - 1]![4];
    const price = (factor: string) => round(mul(last, factor), 2, 'half-up');
    await rig.add({ condition: { kind: 'above', level: price('1.5') } });
    const service = await rig.start({ pollMs: 3_000 });
    await rig.live(service);
    // A poll has just read a marker alert: the next one is 3 s away.
    await rig.add({ condition: { kind: 'below', level: price('0.5') } });
    await eventually(() => (service.state().alerts === 2 ? true : undefined), 'the marker alert indexed');
    const above = await rig.add({ condition: { kind: 'above', level: price('1.01') } });
    const evaluated = (p: string) => eventually(() => (eq(service.state().evaluated.BTCUSDT?.price ?? '0', p) ? true : undefined), `${p} evaluated live`);
    // Up through the level and back, evaluated live while the alert is not in the index yet.
    rig.sim.feed.setPrice('BTCUSDT', price('1.012'));
    await evaluated(price('1.012'));
    rig.sim.feed.setPrice('BTCUSDT', price('1.003'));
    await evaluated(price('1.003'));
    expect(service.state().alerts).toBe(2);
    expect(await rig.jobs()).toEqual([]);

    await eventually(async () => ((await rig!.jobs()).length === 1 ? true : undefined), 'the alert fired once indexed');
    const [job] = await rig.jobs();
    expect(job!.key).toBe(`pa-${above.id}-0`);
    expect(job!.text).toContain('crossed above');
    expect(job!.text).toContain(`Traded at <b>${Number(price('1.012')).toLocaleString('en-US', { minimumFractionDigits: 2 })}</b>`);
    await sleep(300);
    expect(await rig.jobs()).toHaveLength(1);
  });

  it('a level crossed while the stream is down is caught at reconnect, once', async () => {
    rig = await startRig();
    const last = rig.rows[rig.rows.length - 1]![4];
    const level = round(mul(last, '1.01'), 2, 'half-up');
    const above = await rig.add({ condition: { kind: 'above', level } });
    const service = await rig.start();
    await rig.live(service);
    await tick(rig, round(mul(last, '1.005'), 2, 'half-up'));

    rig.proxy.setDown(true);
    await eventually(() => (service.state().stream.connected ? undefined : true), 'the stream to drop');
    // Up through the level and back, all while nobody listens.
    rig.sim.feed.setPrice('BTCUSDT', round(mul(last, '1.012'), 2, 'half-up'));
    rig.sim.feed.setPrice('BTCUSDT', round(mul(last, '1.003'), 2, 'half-up'));
    await sleep(300);
    expect(await rig.jobs()).toEqual([]);
    rig.proxy.setDown(false);

    await eventually(async () => ((await rig!.jobs()).length === 1 ? true : undefined), 'the alert caught up');
    const [job] = await rig.jobs();
    expect(job!.key).toBe(`pa-${above.id}-0`);
    expect(job!.text).toContain('Found after a market stream gap');
    expect(job!.text).toContain('crossed above');
    // Fired and removed: the symbol is no longer watched, and nothing more is sent.
    await eventually(() => (service.state().watching.length === 0 && service.state().stream.streams === 0 ? true : undefined), 'the symbol dropped');
    await tick(rig, round(mul(last, '1.02'), 2, 'half-up'));
    await sleep(200);
    expect(await rig.jobs()).toHaveLength(1);
  });

  it('a worker that dies after the claim, before the enqueue: the next worker delivers it, once', async () => {
    rig = await startRig();
    const last = rig.rows[rig.rows.length - 1]![4];
    const above = await rig.add({ condition: { kind: 'above', level: round(mul(last, '1.01'), 2, 'half-up') } });
    // The process "dies" between the claim and the enqueue: the enqueue never lands.
    const dying = await rig.start({ holderId: 'dying', alerts: { enqueue: () => Promise.reject(new Error('SIGKILL')) }, outboxFlushMs: 60_000 });
    await rig.live(dying);
    // Another worker runs beside it, watching nothing (the symbol's lease is taken).
    const next = await rig.start({ holderId: 'next', outboxFlushMs: 100 });
    await tick(rig, round(mul(last, '1.02'), 2, 'half-up'));
    await eventually(async () => ((await rig!.store.get(above.id)) === undefined ? true : undefined), 'the claim');
    await dying.close();
    // The running worker hands the claimed alert over, once.
    await eventually(async () => ((await rig!.jobs()).length === 1 ? true : undefined), 'the claimed alert delivered');
    expect(next.state().watching).toEqual([]);
    expect(keysOf(await rig.jobs())).toEqual([`pa-${above.id}-0`]);
    expect((await rig.store.pendingOutbox()).size).toBe(0);
    // Flushing again (a reconnect) enqueues nothing new: the job id is the claim's.
    await next.flushOutbox();
    await rig.queue.enqueue((await rig.jobs())[0]!);
    expect(await rig.jobs()).toHaveLength(1);
  });

  it('two workers: exactly one watches the symbol, the other takes over and catches up on the handover', async () => {
    rig = await startRig();
    const last = rig.rows[rig.rows.length - 1]![4];
    const above = await rig.add({ condition: { kind: 'above', level: round(mul(last, '1.01'), 2, 'half-up') }, repeat: true });
    const a = await rig.start({ holderId: 'worker-a' });
    const b = await rig.start({ holderId: 'worker-b' });
    await eventually(() => (a.state().watching.length + b.state().watching.length === 1 ? true : undefined), 'one watcher');
    const [holder, other] = a.state().watching.length === 1 ? [a, b] : [b, a];
    await rig.live(holder);
    expect(other.state().stream.streams).toBe(0);
    await tick(rig, round(mul(last, '1.005'), 2, 'half-up'));
    await sleep(150);

    // The watcher goes; the price crosses before the other has taken the symbol.
    await holder.close();
    rig.sim.feed.setPrice('BTCUSDT', round(mul(last, '1.011'), 2, 'half-up'));
    await rig.live(other);
    await eventually(async () => ((await rig!.jobs()).length === 1 ? true : undefined), 'the crossing during the handover');
    expect(keysOf(await rig.jobs())).toEqual([`pa-${above.id}-0`]);
    // Repeat: re-armed once back below the level, and the next crossing is generation 1.
    await tick(rig, round(mul(last, '1.0'), 2, 'half-up'));
    await eventually(async () => ((await rig!.store.get(above.id))?.armed ? true : undefined), 're-armed');
    await tick(rig, round(mul(last, '1.015'), 2, 'half-up'));
    await eventually(async () => ((await rig!.jobs()).length === 2 ? true : undefined), 'the second fire');
    expect(keysOf(await rig.jobs())).toEqual([`pa-${above.id}-0`, `pa-${above.id}-1`]);
  });
});
