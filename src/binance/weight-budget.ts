/**
 * The minute's request weight, per IP (BINANCE.md "Limits"; rest-api.md "IP Limits"): read back
 * from every answer's headers, held at a high-water mark before the limit, kept below a ceiling
 * for chat-command reads so orders and stops always have a reserve, and held for Retry-After on a
 * 429 or a 418 ban. The REST transport (rest-transport.ts) asks it before and after each request.
 */
import type { EventEmitter } from 'node:events';
import type { AxiosResponse } from 'axios';
import { ExchangeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RequestGate } from './request-gate.js';
import { VIEW_WEIGHT_SHARE } from './request-weights.js';
import { isWrite } from './rest-errors.js';
import type { RestMetrics } from './rest-metrics.js';
import type { RestClientEvents, RestRequest } from './rest-transport.js';

/** Without Retry-After (rest-api.md: the order-count 429 has none) we hold for the shortest ORDERS window. */
const DEFAULT_RATE_LIMIT_HOLD_MS = 10_000;
/** A 418 ban lasts 2 minutes to 3 days (rest-api.md "IP Limits"). */
const DEFAULT_BAN_HOLD_MS = 120_000;
/** Share of the weight limit at which requests stop until the minute ends (the rest is for requests in flight). */
const WEIGHT_HIGH_WATER = 0.9;

const headerInt = (value: unknown): number | undefined => {
  if (typeof value !== 'string') return undefined;
  const n = Number.parseInt(value, 10);
  return Number.isNaN(n) ? undefined : n;
};

export interface WeightBudgetDeps {
  gate: RequestGate;
  /** The server clock: weight is counted per minute of server time. */
  clock: { timestamp(): number };
  metrics: RestMetrics;
  log: Logger;
  events: EventEmitter<RestClientEvents>;
  now: () => number;
  /** REQUEST_WEIGHT per minute per IP (exchangeInfo.rateLimits). Default 6000. */
  weightLimitPerMinute?: number;
}

export function createWeightBudget(deps: WeightBudgetDeps) {
  const { gate, clock, metrics, log, events, now } = deps;
  const weightHighWater = Math.floor((deps.weightLimitPerMinute ?? 6_000) * WEIGHT_HIGH_WATER);
  const viewCeiling = Math.floor((deps.weightLimitPerMinute ?? 6_000) * VIEW_WEIGHT_SHARE);
  const usage = { usedWeight1m: 0, orderCount10s: 0, orderCount1d: 0 };
  /** Server minute (epoch ms / 60 000) that usage.usedWeight1m was counted in: it says nothing about the next one. */
  let usageMinute = -1;
  /** Weight of the requests sent and not answered yet: counted by the exchange before we read it back. */
  let weightInFlight = 0;

  function readUsage(headers: AxiosResponse['headers']): number | undefined {
    const weight = headerInt(headers['x-mbx-used-weight-1m']);
    if (weight !== undefined) {
      metrics.usedWeight1m.set((usage.usedWeight1m = weight));
      usageMinute = Math.floor(clock.timestamp() / 60_000);
    }
    if (weight !== undefined && weight >= weightHighWater) holdUntilNextMinute(weight);
    const count10s = headerInt(headers['x-mbx-order-count-10s']);
    if (count10s !== undefined) metrics.orderCount10s.set((usage.orderCount10s = count10s));
    const count1d = headerInt(headers['x-mbx-order-count-1d']);
    if (count1d !== undefined) metrics.orderCount1d.set((usage.orderCount1d = count1d));
    return weight;
  }

  /**
   * The used weight is per IP and per minute of server time, and a request sent after a 429 earns
   * a 418 ban — including one that was already on its way when the 429 was answered. So stop at a
   * high-water mark, leaving the rest of the minute's weight to the requests in flight, rather than
   * at the limit: concurrent traders and order look-ups can reach it, and a look-up in flight
   * would earn a 2-minute ban.
   */
  function holdUntilNextMinute(weight: number): void {
    const untilMs = now() + (60_000 - (clock.timestamp() % 60_000)) + 100;
    if (untilMs <= gate.blockedUntil()) return;
    gate.hold(untilMs, 'rate-limited');
    log.warn({ usedWeight: weight, holdMs: untilMs - now() }, 'request weight near the per-minute limit; holding requests until the minute ends');
  }

  /**
   * A chat command's read may bring the minute's weight to the view ceiling, never past it: the
   * rest of the minute is the reserve that orders, cancels, stop moves and the user stream need
   * (DESIGN.md §8). Refused before sending, with the time until the minute window resets.
   */
  function refuseViewOverCeiling(req: RestRequest<unknown>, weight: number): ExchangeError | undefined {
    if (req.priority !== 'view' || isWrite(req.method)) return undefined;
    const serverNow = clock.timestamp();
    const used = Math.floor(serverNow / 60_000) === usageMinute ? usage.usedWeight1m : 0;
    if (used + weightInFlight + weight <= viewCeiling) return undefined;
    const retryAfterMs = 60_000 - (serverNow % 60_000) + 100;
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return new ExchangeError('EXCHANGE_BUSY', {
      kind: 'rate-limited',
      method: req.method,
      path: req.path,
      retryAfterMs,
      userMessage: `The exchange's request budget for this minute is kept for orders and stops: try again in ${seconds} s.`,
    });
  }

  function onRateLimit(status: number, retryAfterMs: number | undefined, binanceCode: number | undefined): number {
    if (status === 418) {
      const holdMs = retryAfterMs ?? DEFAULT_BAN_HOLD_MS;
      gate.hold(now() + holdMs, 'banned');
      log.warn({ status, retryAfterMs: holdMs }, 'exchange banned this IP; holding every request');
      events.emit('banned', { retryAfterMs: holdMs });
      return holdMs;
    }
    const holdMs = retryAfterMs ?? DEFAULT_RATE_LIMIT_HOLD_MS;
    // The order-count 429 (-1015) is per account, not per IP: reads may go on.
    if (retryAfterMs !== undefined || binanceCode !== -1015) gate.hold(now() + holdMs, 'rate-limited');
    log.warn({ status, binanceCode, retryAfterMs: holdMs }, 'exchange rate limit hit; holding requests');
    events.emit('rate-limited', { retryAfterMs: holdMs, status });
    return holdMs;
  }

  return {
    readUsage,
    refuseViewOverCeiling,
    onRateLimit,
    sending: (weight: number) => void (weightInFlight += weight),
    answered: (weight: number) => void (weightInFlight -= weight),
    inFlight: () => weightInFlight,
    usage: () => ({ ...usage }),
  };
}
