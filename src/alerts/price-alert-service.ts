/**
 * The worker side of price alerts (DESIGN.md §6b): every worker process runs one. It follows the
 * alerts in Redis, takes the lease of each symbol they name that no other worker holds
 * (price-alert-leases.ts), follows `<symbol>@miniTicker` and the `<symbol>@kline_<interval>`
 * its indicator alerts need over one market-stream connection (market-stream-client.ts), and
 * evaluates every update against the sorted index (price-alert-index.ts).
 *
 * Exactly once: a fire is claimed in Redis (price-alert-store.ts FIRE: compare-and-set on the
 * alert's generation, which removes or disarms it and writes the alert job to an outbox in one
 * step), then enqueued under the claim's key as its BullMQ job id, then taken off the outbox.
 * A worker killed between claim and enqueue leaves the job in the outbox; the next worker to
 * start, or this one at its next (re)connect, enqueues it (the same job id cannot enqueue twice).
 *
 * Gaps: events missed while the stream was down are not replayed by Binance. So after every
 * (re)connect and whenever a symbol is newly watched, its first event waits for a catch-up over
 * REST from the last state evaluated (`seen`, kept in Redis, so a restart or a takeover catches up
 * too): 1m klines from then to now are replayed through the same evaluation (a level crossed while
 * disconnected fires, saying so), the move buckets are refilled for the longest window, and the
 * closed candles of every indicator interval are read again. That is the only REST this makes.
 */
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { intervalMs } from '../binance/kline-intervals.js';
import { createMarketStreamClient, type MarketStreamClient, type MarketStreamClientOptions, type MarketStreamEvent } from '../binance/market-stream-client.js';
import type { Kline, KlineInterval, SymbolInfo } from '../binance/types.js';
import { tickDecimals } from '../binance/filters.js';
import { gte, lte } from '../decimal.js';
import type { Logger } from '../logger.js';
import { KEY_PREFIX } from '../redis.js';
import type { AlertJob, AlertSink } from '../trading/types.js';
import { createPriceAlertIndex, type Fire, type PriceAlertIndex } from './price-alert-index.js';
import { indicatorFires, INDICATOR_CANDLES } from './price-alert-indicators.js';
import { createSymbolLeases, type SymbolLeases } from './price-alert-leases.js';
import { createPriceAlertStore, type PriceAlertStore, type SeenMark } from './price-alert-store.js';
import { fireText, priceFormat } from './price-alert-text.js';
import { intervalOf, type PriceAlert } from './price-alert-types.js';
import { defaultHolderId } from './stream-lease.js';

export interface PriceAlertServiceDeps {
  /** A `producer` connection. */
  redis: Redis;
  prefix?: string;
  /** BINANCE_STREAM_URL. */
  streamUrl: string;
  /** Catch-up reads (klines) only. */
  exchange: Pick<ExchangeClient, 'klines'>;
  alerts: AlertSink;
  symbols?: { symbol(name: string): Promise<SymbolInfo | undefined> };
  /** The [Chart] and [Buy…] buttons of a fire (the bot feature's schema, passed in by the wiring). */
  buttons?(alert: PriceAlert): AlertJob['buttons'];
  logger: Logger;
  registry?: Registry;
  holderId?: string;
  lease?: { ttlMs?: number; renewEveryMs?: number };
  stream?: Partial<Pick<MarketStreamClientOptions, 'backoff' | 'pingMs' | 'maxConnectionAgeMs' | 'maxRequestsPerSecond' | 'maxParamsPerRequest' | 'maxStreams'>>;
  /** How often alert changes are read from Redis. Default 1 000 ms. */
  pollMs?: number;
  /** How often the evaluated state is saved for catch-up. Default 1 000 ms. */
  seenFlushMs?: number;
  /** How often claimed fires left in the outbox (a worker died after its claim) are enqueued. Default 5 000 ms. */
  outboxFlushMs?: number;
  now?: () => number;
}

export interface PriceAlertServiceState {
  alerts: number;
  /** Symbols this worker holds the lease of. */
  watching: string[];
  /** Of those, the ones caught up and evaluated live. */
  live: string[];
  /** The last mini-ticker evaluated live, per symbol. */
  evaluated: Record<string, { price: string; at: number }>;
  stream: ReturnType<MarketStreamClient['state']>;
}

export interface PriceAlertService {
  start(): Promise<void>;
  state(): PriceAlertServiceState;
  /** Enqueues claimed fires a crash left in the outbox; returns how many. */
  flushOutbox(): Promise<number>;
  close(): Promise<void>;
}

interface Watch {
  symbol: string;
  caughtUp: boolean;
  catching: boolean;
  /** Bumped at every (re)connect: a catch-up that began before it is done again. */
  epoch: number;
  /** The newest mini-ticker while catching up: evaluated after. */
  waiting?: MarketStreamEvent['data'];
  /** 24h high and low of the previous mini-ticker: a rise or fall of them is a new trade. */
  prevHigh?: string;
  prevLow?: string;
  candles: Map<KlineInterval, Kline[]>;
  seen?: SeenMark;
}

const MINUTE = 60_000;
const TICKER_SUFFIX = '@miniTicker';

const CATCH_UP_LIMIT = 1000;
const CATCH_UP_INTERVALS: readonly KlineInterval[] = ['1m', '5m', '15m', '1h', '4h', '1d'];

/** Job key of a fire: the alert and the generation (or candle) it fires, one job each. */
export const fireKey = (fire: Pick<Fire, 'alert' | 'closeTime'>): string => `pa-${fire.alert.id}-${fire.alert.gen}${fire.closeTime !== undefined ? `-${fire.closeTime}` : ''}`;

export function createPriceAlertService(deps: PriceAlertServiceDeps): PriceAlertService {
  const prefix = deps.prefix ?? KEY_PREFIX;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'price-alerts' });
  const store: PriceAlertStore = createPriceAlertStore({ redis: deps.redis, prefix });
  const index: PriceAlertIndex = createPriceAlertIndex({ now });
  const watches = new Map<string, Watch>();
  const decimals = new Map<string, number | undefined>();
  const dirtySeen = new Map<string, SeenMark>();
  const fired = new Counter({ name: 'binance_chatops_price_alerts_fired_total', help: 'Price alerts fired (claimed), by kind', labelNames: ['kind'] as const, registers: deps.registry ? [deps.registry] : [] });
  let cursor = '0-0';
  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let seenTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  const client = createMarketStreamClient({
    url: deps.streamUrl,
    logger: deps.logger,
    ...deps.stream,
    onEvent,
    onConnected() {
      // Whatever happened while disconnected is read back once the stream is confirmed again.
      for (const w of watches.values()) resetWatch(w);
      void track(flushOutbox().catch((error: unknown) => log.warn({ err: error }, 'price alert outbox not flushed')));
    },
    onSubscribed(streams) {
      // The catch-up reads candles up to now: only once trades from now on are sure to arrive.
      for (const stream of streams) {
        const w = stream.endsWith(TICKER_SUFFIX) ? watches.get(stream.slice(0, -TICKER_SUFFIX.length).toUpperCase()) : undefined;
        if (w) startCatchUp(w);
      }
    },
  });

  const leases: SymbolLeases = createSymbolLeases({
    redis: deps.redis,
    keyOf: (symbol) => `${prefix}:pa:lease:${symbol}`,
    holderId: deps.holderId ?? defaultHolderId(),
    ...(deps.lease?.ttlMs !== undefined ? { ttlMs: deps.lease.ttlMs } : {}),
    ...(deps.lease?.renewEveryMs !== undefined ? { renewEveryMs: deps.lease.renewEveryMs } : {}),
    logger: deps.logger,
    onChange: (held) => {
      for (const symbol of [...watches.keys()]) if (!held.has(symbol)) watches.delete(symbol);
      for (const symbol of held) {
        if (watches.has(symbol)) continue;
        const w: Watch = { symbol, caughtUp: false, catching: false, epoch: 0, candles: new Map() };
        watches.set(symbol, w);
        if (client.isSubscribed(`${symbol.toLowerCase()}${TICKER_SUFFIX}`)) startCatchUp(w);
      }
      log.info({ watching: held.size }, 'price alert symbols watched');
      follow();
    },
  });

  function resetWatch(w: Watch): void {
    w.caughtUp = false;
    w.epoch += 1;
    delete w.prevHigh;
    delete w.prevLow;
    w.candles.clear();
  }

  function follow(): void {
    const streams = new Set<string>();
    for (const symbol of watches.keys()) {
      const lower = symbol.toLowerCase();
      streams.add(`${lower}${TICKER_SUFFIX}`);
      for (const a of index.indicatorAlerts(symbol)) streams.add(`${lower}@kline_${intervalOf(a.condition)!}`);
    }
    client.follow(streams);
  }

  function wantSymbols(): void {
    leases.want(index.symbols());
    follow();
  }

  async function priceDecimals(symbol: string): Promise<number | undefined> {
    if (!decimals.has(symbol)) {
      const info = await deps.symbols?.symbol(symbol).catch(() => undefined);
      decimals.set(symbol, info ? tickDecimals(info) : undefined);
    }
    return decimals.get(symbol);
  }

  async function refresh(id: string): Promise<void> {
    const fresh = await store.get(id);
    if (fresh) index.upsert(fresh);
    else index.remove(id);
  }

  async function claim(fire: Fire): Promise<void> {
    const key = fireKey(fire);
    try {
      const text = fireText(fire, priceFormat(await priceDecimals(fire.alert.symbol)));
      const buttons = deps.buttons?.(fire.alert);
      const job: AlertJob = { key, chatId: fire.alert.chatId, userId: fire.alert.userId, category: 'price', text, ...(buttons ? { buttons } : {}) };
      const result = await store.fire({ alert: fire.alert, mode: fire.mode, at: fire.at, ...(fire.closeTime !== undefined ? { closeTime: fire.closeTime } : {}), job });
      if (result === 'claimed') {
        fired.inc({ kind: fire.alert.condition.kind });
        log.info({ id: fire.alert.id, symbol: fire.alert.symbol, key, price: fire.price, caughtUp: fire.caughtUp !== undefined }, 'price alert fired');
        await deps.alerts.enqueue(job);
        await store.settleOutbox(key);
      }
    } catch (error) {
      log.error({ err: error, id: fire.alert.id, key }, 'price alert fire failed; it stays claimed in the outbox or armed');
    } finally {
      await refresh(fire.alert.id).catch(() => undefined);
    }
  }

  function handle(fires: readonly Fire[], rearms: readonly PriceAlert[], at: number): void {
    for (const fire of fires) void track(claim(fire));
    for (const alert of rearms) {
      index.remove(alert.id);
      void track(
        store
          .rearm(alert, at)
          .then(() => refresh(alert.id))
          .catch((error: unknown) => log.warn({ err: error, id: alert.id }, 'price alert re-arm failed')),
      );
    }
  }

  function evaluateTicker(w: Watch, data: MarketStreamEvent['data']): void {
    const price = String(data.c);
    const at = typeof data.E === 'number' ? data.E : now();
    const high = typeof data.h === 'string' ? data.h : undefined;
    const low = typeof data.l === 'string' ? data.l : undefined;
    const update = {
      symbol: w.symbol,
      at,
      price,
      ...(high !== undefined && w.prevHigh !== undefined && Number(high) > Number(w.prevHigh) ? { high } : {}),
      ...(low !== undefined && w.prevLow !== undefined && Number(low) < Number(w.prevLow) ? { low } : {}),
    };
    if (high !== undefined) w.prevHigh = high;
    if (low !== undefined) w.prevLow = low;
    const { fires, rearms } = index.evaluate(update);
    handle(fires, rearms, at);
    const hi = update.high ?? price;
    const lo = update.low ?? price;
    const sameMinute = w.seen !== undefined && Math.floor(w.seen.at / MINUTE) === Math.floor(at / MINUTE);
    w.seen = {
      at,
      price,
      high: sameMinute && w.seen!.high !== undefined && Number(w.seen!.high) > Number(hi) ? w.seen!.high : hi,
      low: sameMinute && w.seen!.low !== undefined && Number(w.seen!.low) < Number(lo) ? w.seen!.low : lo,
    };
    dirtySeen.set(w.symbol, w.seen);
  }

  function onEvent(event: MarketStreamEvent): void {
    const data = event.data;
    const symbol = String(data.s ?? '').toUpperCase();
    const w = watches.get(symbol);
    if (!w) return;
    if (data.e === '24hrMiniTicker') {
      if (w.caughtUp) evaluateTicker(w, data);
      else {
        w.waiting = data;
        startCatchUp(w);
      }
      return;
    }
    if (data.e === 'kline' && w.caughtUp) onKline(w, data.k as Record<string, unknown>);
  }

  /**
   * An interval a new indicator alert reads on a symbol already live: its closed candles are read
   * once, then the kline stream keeps them.
   */
  const loading = new Set<string>();
  function ensureCandles(w: Watch, interval: KlineInterval): void {
    const key = `${w.symbol}:${interval}`;
    if (w.candles.has(interval) || loading.has(key) || !w.caughtUp) return;
    loading.add(key);
    const epoch = w.epoch;
    const to = now();
    void track(
      deps.exchange
        .klines(w.symbol, interval, { limit: INDICATOR_CANDLES + 1 })
        .then((rows) => {
          if (epoch !== w.epoch || watches.get(w.symbol) !== w || w.candles.has(interval)) return;
          const closed = rows.filter((c) => c.closeTime < to);
          w.candles.set(interval, closed);
          const fires = indicatorFires(index.indicatorAlerts(w.symbol).filter((a) => intervalOf(a.condition) === interval), closed);
          for (const f of fires) index.remove(f.alert.id);
          handle(fires, [], to);
        })
        .catch((error: unknown) => log.warn({ err: error, symbol: w.symbol, interval }, 'reading candles for an indicator alert failed; retried at the next candle'))
        .finally(() => loading.delete(key)),
    );
  }

  function onKline(w: Watch, k: Record<string, unknown>): void {
    if (k.x !== true) return;
    const interval = k.i as KlineInterval;
    const candles = w.candles.get(interval);
    if (!candles) {
      ensureCandles(w, interval);
      return;
    }
    const candle: Kline = { openTime: Number(k.t), open: String(k.o), high: String(k.h), low: String(k.l), close: String(k.c), volume: String(k.v), closeTime: Number(k.T), quoteVolume: String(k.q), trades: Number(k.n) };
    const last = candles[candles.length - 1];
    if (last && candle.closeTime <= last.closeTime) return;
    candles.push(candle);
    if (candles.length > INDICATOR_CANDLES) candles.splice(0, candles.length - INDICATOR_CANDLES);
    const alerts = index.indicatorAlerts(w.symbol).filter((a) => intervalOf(a.condition) === interval);
    const fires = indicatorFires(alerts, candles);
    for (const f of fires) index.remove(f.alert.id);
    handle(fires, [], candle.closeTime);
  }

  function startCatchUp(w: Watch): void {
    if (w.catching || w.caughtUp) return;
    void track(catchUp(w));
  }

  /** A level alert armed inside a minute: the extreme of its 1s candles from the arming to the minute's end. */
  async function crossedAfterArming(symbol: string, alert: PriceAlert, until: number): Promise<{ price: string; at: number } | undefined> {
    const c = alert.condition;
    if (c.kind !== 'above' && c.kind !== 'below') return undefined;
    const seconds = await deps.exchange.klines(symbol, '1s', { startTime: alert.armedAt, endTime: until, limit: 60 });
    for (const k of seconds) {
      if (k.openTime < alert.armedAt) continue;
      if (c.kind === 'above' ? gte(k.high, c.level) : lte(k.low, c.level)) return { price: c.kind === 'above' ? k.high : k.low, at: k.openTime };
    }
    return undefined;
  }

  /** The gap since the last evaluated state, replayed from candles; then live. */
  async function catchUp(w: Watch): Promise<void> {
    w.catching = true;
    const epoch = w.epoch;
    const to = now();
    try {
      const seen = w.seen ?? (await store.readSeen([w.symbol])).get(w.symbol);
      const alerts = index.alertsOf(w.symbol);
      const armedFrom = Math.min(...alerts.map((a) => a.armedAt), to);
      const from = seen ? Math.max(seen.at, armedFrom) : armedFrom;
      const moveWindow = Math.max(0, ...alerts.map((a) => (a.condition.kind === 'move' ? a.condition.windowMs : 0)));
      const start = Math.min(from, to - moveWindow);
      const span = Math.max(0, to - start);
      const interval = CATCH_UP_INTERVALS.find((i) => span / intervalMs(i) < CATCH_UP_LIMIT) ?? '1d';
      const step = intervalMs(interval);
      if (alerts.some((a) => a.condition.kind !== 'rsi' && a.condition.kind !== 'macd') && span > 0) {
        const candles = await deps.exchange.klines(w.symbol, interval, { startTime: Math.floor(start / step) * step, limit: CATCH_UP_LIMIT });
        if (!watches.has(w.symbol)) return;
        index.seedBuckets(w.symbol, candles.filter((c) => c.closeTime < from));
        for (const c of candles.filter((k) => k.closeTime >= from && k.openTime <= to)) {
          // The minute last seen live: only what traded beyond what was seen in it is news.
          const seenMinute = seen !== undefined && c.openTime <= seen.at && seen.at <= c.closeTime;
          const high = seenMinute && seen.high !== undefined && !(Number(c.high) > Number(seen.high)) ? seen.price : c.high;
          const low = seenMinute && seen.low !== undefined && !(Number(c.low) < Number(seen.low)) ? seen.price : c.low;
          const { fires, rearms } = index.evaluate({ symbol: w.symbol, at: Math.max(c.openTime, from), price: c.close, high, low });
          // A candle that began before an alert was set may hold trades from before it: they do not fire it,
          // unless the alert was watched live in that minute, so what the candle adds came after.
          const valid = (a: PriceAlert) => c.openTime >= a.armedAt || (seenMinute && a.armedAt <= seen.at);
          const real = fires.filter((f) => valid(f.alert));
          // Set within this minute: its 1s candles from the arming on say whether the level was reached after it.
          for (const f of fires.filter((x) => !valid(x.alert))) {
            const after = await crossedAfterArming(w.symbol, f.alert, c.closeTime);
            if (after) real.push({ ...f, price: after.price, at: after.at });
            else index.upsert(f.alert);
          }
          handle(
            real.map((f) => ({ ...f, at: c.openTime, caughtUp: { from, to } })),
            rearms,
            c.closeTime,
          );
        }
      }
      const intervals = new Set(index.indicatorAlerts(w.symbol).map((a) => intervalOf(a.condition)!));
      for (const i of intervals) {
        const rows = await deps.exchange.klines(w.symbol, i, { limit: INDICATOR_CANDLES + 1 });
        if (!watches.has(w.symbol)) return;
        const closed = rows.filter((c) => c.closeTime < to);
        w.candles.set(i, closed);
        const fires = indicatorFires(index.indicatorAlerts(w.symbol).filter((a) => intervalOf(a.condition) === i), closed);
        for (const f of fires) index.remove(f.alert.id);
        handle(
          fires.map((f) => (seen && f.closeTime! > seen.at ? { ...f, caughtUp: { from, to } } : f)),
          [],
          to,
        );
      }
      if (epoch !== w.epoch || watches.get(w.symbol) !== w) return;
      w.caughtUp = true;
      log.info({ symbol: w.symbol, from, to, alerts: alerts.length }, 'price alerts caught up; evaluating live');
      const waiting = w.waiting;
      delete w.waiting;
      if (waiting) evaluateTicker(w, waiting);
    } catch (error) {
      log.warn({ err: error, symbol: w.symbol }, 'price alert catch-up failed; retried at the next event');
    } finally {
      w.catching = false;
    }
    // A reconnect during the catch-up: the gap it opened is read too.
    if (epoch !== w.epoch && watches.get(w.symbol) === w && client.isSubscribed(`${w.symbol.toLowerCase()}${TICKER_SUFFIX}`)) startCatchUp(w);
  }

  async function applyChanges(): Promise<void> {
    const batch = await store.changesSince(cursor);
    if (batch.reset) {
      log.warn('price alert changes were trimmed before this worker read them: reloading every alert');
      cursor = batch.cursor;
      await reload();
      return;
    }
    cursor = batch.cursor;
    if (batch.ids.length === 0) return;
    const found = await store.getMany(batch.ids);
    for (const id of batch.ids) {
      const alert = found.get(id);
      if (alert) {
        index.upsert(alert);
        const interval = intervalOf(alert.condition);
        const w = watches.get(alert.symbol);
        if (interval && w) ensureCandles(w, interval);
      } else index.remove(id);
    }
    wantSymbols();
  }

  async function reload(): Promise<void> {
    const all = await store.all();
    const ids = new Set(all.map((a) => a.id));
    for (const a of all) index.upsert(a);
    for (const symbol of index.symbols()) for (const a of index.alertsOf(symbol)) if (!ids.has(a.id)) index.remove(a.id);
    wantSymbols();
  }

  let lastOutboxFlush = 0;

  function poll(): void {
    if (stopped) return;
    polling = applyChanges()
      .catch((error: unknown) => log.warn({ err: error }, 'reading price alert changes failed'))
      .then(async () => {
        // A worker that died between a claim and its enqueue left the job in the outbox: any live
        // worker hands it over (the job id is the claim's, so a second enqueue adds nothing).
        if (Date.now() - lastOutboxFlush < (deps.outboxFlushMs ?? 5_000)) return;
        lastOutboxFlush = Date.now();
        await flushOutbox().catch((error: unknown) => log.warn({ err: error }, 'price alert outbox not flushed'));
      })
      .finally(() => {
        if (!stopped) pollTimer = setTimeout(poll, deps.pollMs ?? 1_000);
      });
  }

  async function saveSeen(): Promise<void> {
    if (dirtySeen.size === 0) return;
    const marks = new Map(dirtySeen);
    dirtySeen.clear();
    await store.saveSeen(marks).catch((error: unknown) => log.warn({ err: error }, 'saving the evaluated market state failed'));
  }

  async function flushOutbox(): Promise<number> {
    const pending = await store.pendingOutbox();
    for (const [claimId, job] of pending) {
      await deps.alerts.enqueue(job);
      await store.settleOutbox(claimId);
    }
    if (pending.size > 0) log.info({ count: pending.size }, 'claimed price alerts from the outbox enqueued');
    return pending.size;
  }

  return {
    async start() {
      lastOutboxFlush = Date.now();
      await flushOutbox().catch((error: unknown) => log.warn({ err: error }, 'price alert outbox not flushed; retried by the poll'));
      try {
        cursor = await store.cursor();
        await reload();
      } catch (error) {
        // Redis is not there yet: the poll reads every change from the start of the stream instead.
        log.warn({ err: error }, 'price alerts not loaded at start; the poll catches up');
        cursor = '0-0';
      }
      leases.start();
      pollTimer = setTimeout(poll, deps.pollMs ?? 1_000);
      const flushSeen = () => {
        seenTimer = setTimeout(() => void saveSeen().finally(() => !stopped && flushSeen()), deps.seenFlushMs ?? 1_000);
      };
      flushSeen();
    },
    state: () => ({
      alerts: index.size(),
      watching: [...watches.keys()],
      live: [...watches.values()].filter((w) => w.caughtUp).map((w) => w.symbol),
      evaluated: Object.fromEntries([...watches.values()].flatMap((w) => (w.seen ? [[w.symbol, { price: w.seen.price, at: w.seen.at }]] : []))),
      stream: client.state(),
    }),
    flushOutbox,
    async close() {
      stopped = true;
      clearTimeout(pollTimer);
      clearTimeout(seenTimer);
      await polling?.catch(() => undefined);
      await client.close();
      await Promise.allSettled([...inFlight]);
      await saveSeen();
      await leases.close();
    },
  };
}
