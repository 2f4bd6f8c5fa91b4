/**
 * The worker side of price alerts (DESIGN.md §6b): every worker process runs one. It follows the
 * alerts in Redis, takes the lease of each symbol they name that no other worker holds
 * (price-alert-leases.ts), follows `<symbol>@miniTicker` and the `<symbol>@kline_<interval>`
 * its indicator alerts need over one market-stream connection (market-stream-client.ts), and
 * evaluates every update against the sorted index (price-alert-index.ts).
 *
 * A fire is claimed once and never lost (price-alert-claims.ts). Events missed while the stream
 * was down are read back over REST (price-alert-catch-up.ts): after every (re)connect, and when a
 * symbol is newly watched, its first events wait for that catch-up, which starts only once the
 * server confirmed the symbol's stream, so no trade falls between the read and the stream.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { ExchangeClient } from '../binance/exchange-client.js';
import { createMarketStreamClient, type MarketStreamClient, type MarketStreamClientOptions, type MarketStreamEvent } from '../binance/market-stream-client.js';
import type { SymbolInfo } from '../binance/types.js';
import type { Logger } from '../logger.js';
import { KEY_PREFIX } from '../redis.js';
import type { AlertJob, AlertSink } from '../trading/types.js';
import { createIndicatorCandles } from './price-alert-candles.js';
import { createPriceAlertCatchUp } from './price-alert-catch-up.js';
import { createPriceAlertClaims } from './price-alert-claims.js';
import { createPriceAlertIndex, type PriceAlertIndex } from './price-alert-index.js';
import { createSymbolLeases, type SymbolLeases } from './price-alert-leases.js';
import { createPriceAlertStore, type PriceAlertStore, type SeenMark } from './price-alert-store.js';
import { createPriceAlertSync } from './price-alert-sync.js';
import { intervalOf, type Fire, type PriceAlert } from './price-alert-types.js';
import { crossedSinceArming, markSeen, newWatch, rememberUpdate, resetWatch, tickerStream, tickerSymbol, tickerUpdate, type StreamData, type Watch } from './price-alert-watch.js';
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

export function createPriceAlertService(deps: PriceAlertServiceDeps): PriceAlertService {
  const prefix = deps.prefix ?? KEY_PREFIX;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ module: 'price-alerts' });
  const store: PriceAlertStore = createPriceAlertStore({ redis: deps.redis, prefix });
  const index: PriceAlertIndex = createPriceAlertIndex({ now });
  const watches = new Map<string, Watch>();
  const dirtySeen = new Map<string, SeenMark>();
  let stopped = false;
  let seenTimer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  const claims = createPriceAlertClaims({ store, alerts: deps.alerts, symbols: deps.symbols, buttons: deps.buttons, log, registry: deps.registry });
  const catchUps = createPriceAlertCatchUp({ exchange: deps.exchange, store, index, handle, isWatched: (symbol) => watches.has(symbol) });
  const candles = createIndicatorCandles({
    catchUp: catchUps,
    index,
    handle: (fires, at) => handle(fires, [], at),
    isCurrent: (w) => watches.get(w.symbol) === w,
    track: (work) => void track(work),
    now,
    log,
  });
  const flushOutbox = (): Promise<number> => claims.flushOutbox();

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
        const symbol = tickerSymbol(stream);
        const w = symbol !== undefined ? watches.get(symbol) : undefined;
        if (w) startCatchUp(w);
      }
    },
  });

  const leases: SymbolLeases = createSymbolLeases({
    redis: deps.redis,
    keyOf: (symbol) => `${prefix}:pa:lease:${symbol}`,
    holderId: deps.holderId ?? defaultHolderId(),
    ttlMs: deps.lease?.ttlMs,
    renewEveryMs: deps.lease?.renewEveryMs,
    logger: deps.logger,
    onChange: (held) => {
      for (const symbol of [...watches.keys()]) if (!held.has(symbol)) watches.delete(symbol);
      for (const symbol of held) {
        if (watches.has(symbol)) continue;
        const w = newWatch(symbol);
        watches.set(symbol, w);
        if (client.isSubscribed(tickerStream(symbol))) startCatchUp(w);
      }
      log.info({ watching: held.size }, 'price alert symbols watched');
      follow();
    },
  });

  function follow(): void {
    const streams = new Set<string>();
    for (const symbol of watches.keys()) {
      streams.add(tickerStream(symbol));
      for (const a of index.indicatorAlerts(symbol)) streams.add(`${symbol.toLowerCase()}@kline_${intervalOf(a.condition)!}`);
    }
    client.follow(streams);
  }

  const sync = createPriceAlertSync({
    store,
    index,
    log,
    flushOutbox,
    pollMs: deps.pollMs,
    outboxFlushMs: deps.outboxFlushMs,
    onAlert(alert) {
      const interval = intervalOf(alert.condition);
      const w = watches.get(alert.symbol);
      if (interval && w) candles.ensure(w, interval);
      if (w?.caughtUp) checkSinceArming(w, alert);
    },
    onSymbols() {
      leases.want(index.symbols());
      follow();
    },
  });

  async function refresh(id: string): Promise<void> {
    const fresh = await store.get(id);
    return fresh ? index.upsert(fresh) : index.remove(id);
  }

  /** Fires leave the index until their claim settles; the alert comes back in its stored state. */
  function handle(fires: readonly Fire[], rearms: readonly PriceAlert[], at: number): void {
    for (const fire of fires) void track(claims.claim(fire).finally(() => refresh(fire.alert.id).catch(() => undefined)));
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

  function evaluateTicker(w: Watch, data: StreamData): void {
    const update = tickerUpdate(w, data, now);
    const { fires, rearms } = index.evaluate(update);
    handle(fires, rearms, update.at);
    dirtySeen.set(w.symbol, markSeen(w, update));
    rememberUpdate(w, update);
  }

  /** A level alert reaches a live symbol's index a poll after its arming: the trades between are checked now (the claim's generation keeps a fire found twice to one message). */
  function checkSinceArming(w: Watch, alert: PriceAlert): void {
    if (!alert.armed) return;
    const kept = crossedSinceArming(w, alert);
    const crossed = kept === 'unknown' ? catchUps.crossedSince(alert, now()) : Promise.resolve(kept);
    void track(
      crossed
        .then((found) => {
          if (!found || watches.get(w.symbol) !== w || index.get(alert.id)?.gen !== alert.gen) return;
          index.remove(alert.id);
          handle([{ alert, price: found.price, at: found.at, detail: { kind: 'level' }, mode: alert.repeat ? 'disarm' : 'remove' }], [], found.at);
        })
        .catch((error: unknown) => log.warn({ err: error, id: alert.id }, 'price alert check since its arming failed; live trades still fire it')),
    );
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
    if (data.e === 'kline' && w.caughtUp) candles.onKline(w, data.k as StreamData);
  }

  function startCatchUp(w: Watch): void {
    if (w.catching || w.caughtUp) return;
    void track(catchUp(w));
  }

  /** The gap since the last evaluated state, replayed from candles; then live. */
  async function catchUp(w: Watch): Promise<void> {
    w.catching = true;
    const epoch = w.epoch;
    const to = now();
    try {
      const replayed = await catchUps.replay(w, to);
      if (replayed && epoch === w.epoch && watches.get(w.symbol) === w) {
        w.caughtUp = true;
        log.info({ symbol: w.symbol, from: replayed.from, to, alerts: replayed.alerts }, 'price alerts caught up; evaluating live');
        const waiting = w.waiting;
        delete w.waiting;
        if (waiting) evaluateTicker(w, waiting);
      }
    } catch (error) {
      log.warn({ err: error, symbol: w.symbol }, 'price alert catch-up failed; retried at the next event');
    } finally {
      w.catching = false;
    }
    // A reconnect during the catch-up: the gap it opened is read too.
    if (epoch !== w.epoch && watches.get(w.symbol) === w && client.isSubscribed(tickerStream(w.symbol))) startCatchUp(w);
  }

  async function saveSeen(): Promise<void> {
    if (dirtySeen.size === 0) return;
    const marks = new Map(dirtySeen);
    dirtySeen.clear();
    await store.saveSeen(marks).catch((error: unknown) => log.warn({ err: error }, 'saving the evaluated market state failed'));
  }

  return {
    async start() {
      await sync.start();
      leases.start();
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
      clearTimeout(seenTimer);
      await sync.close();
      await client.close();
      await Promise.allSettled([...inFlight]);
      await saveSeen();
      await leases.close();
    },
  };
}
