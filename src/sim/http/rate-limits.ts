/**
 * Binance's request limits (rest-api.md "LIMITS"): request weight per IP per minute, new orders
 * per account per 10 seconds and per day, in fixed windows. Going over answers 429 with
 * `Retry-After` (seconds until the window resets); a client that sends anything before then is
 * banned with 418, for 2 minutes, doubling for repeat offenders up to 3 days.
 */
import { SimError } from '../sim-error.js';

export class RetryAfterError extends SimError {
  constructor(
    httpStatus: number,
    code: number,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(httpStatus, code, message);
  }
}

export interface RateLimitOptions {
  /** REQUEST_WEIGHT per minute. Default 6000 (exchangeInfo.rateLimits). */
  weightPerMinute?: number;
  /** ORDERS per 10 seconds. Default 50. */
  ordersPer10s?: number;
  /** ORDERS per day. Default 160 000. */
  ordersPerDay?: number;
  /** First ban length. Default 2 minutes. */
  banMs?: number;
}

export interface RateLimiter {
  /** Charges `weight` to the IP; throws RetryAfterError (429 -1003, or 418 when it ignored a 429 or is banned). */
  admit(ip: string, weight: number, now: number): void;
  /** Gives weight back (Binance charges nothing for a successful order or cancel since 2026-04-02). */
  refund(ip: string, weight: number, now: number): void;
  usedWeight(ip: string, now: number): number;
  /** Counts one new order; throws RetryAfterError (429 -1015) over the limit. */
  admitOrder(now: number): void;
  /** Throws RetryAfterError (429 -1015) when one more order would go over a limit; counts nothing. */
  checkOrderLimit(now: number): void;
  /** Counts orders the exchange accepted (rejected ones do not count on Binance). */
  countOrders(n: number, now: number): void;
  orderCounts(now: number): { tenSeconds: number; day: number };
  reset(): void;
}

const MINUTE = 60_000;
const TEN_SECONDS = 10_000;
const DAY = 86_400_000;
const MAX_BAN = 3 * DAY;

interface IpState {
  window: number;
  used: number;
  /** Told to wait until then (a 429 was sent). */
  coolDownUntil: number;
  bannedUntil: number;
  bans: number;
}

interface Counter {
  window: number;
  count: number;
}

export function createRateLimiter(options: RateLimitOptions = {}): RateLimiter {
  const weightLimit = options.weightPerMinute ?? 6000;
  const tenSecondLimit = options.ordersPer10s ?? 50;
  const dayLimit = options.ordersPerDay ?? 160_000;
  const banMs = options.banMs ?? 2 * MINUTE;
  const ips = new Map<string, IpState>();
  let tenSeconds: Counter = { window: 0, count: 0 };
  let day: Counter = { window: 0, count: 0 };

  const stateOf = (ip: string, now: number): IpState => {
    let s = ips.get(ip);
    if (s === undefined) {
      s = { window: 0, used: 0, coolDownUntil: 0, bannedUntil: 0, bans: 0 };
      ips.set(ip, s);
    }
    const window = now - (now % MINUTE);
    if (s.window !== window) {
      s.window = window;
      s.used = 0;
    }
    return s;
  };
  const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  const banned = (s: IpState, now: number) =>
    new RetryAfterError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${s.bannedUntil}. Please use WebSocket Streams for live updates to avoid bans.`,
      seconds(s.bannedUntil - now),
    );
  const roll = (c: Counter, size: number, now: number): Counter => {
    const window = now - (now % size);
    return c.window === window ? c : { window, count: 0 };
  };

  function checkOrderLimit(now: number): void {
    tenSeconds = roll(tenSeconds, TEN_SECONDS, now);
    day = roll(day, DAY, now);
    if (tenSeconds.count >= tenSecondLimit) {
      throw new RetryAfterError(429, -1015, `Too many new orders; current limit is ${tenSecondLimit} orders per 10 SECOND.`,
        seconds(tenSeconds.window + TEN_SECONDS - now));
    }
    if (day.count >= dayLimit) {
      throw new RetryAfterError(429, -1015, `Too many new orders; current limit is ${dayLimit} orders per 1 DAY.`,
        seconds(day.window + DAY - now));
    }
  }
  function countOrders(n: number, now: number): void {
    tenSeconds = roll(tenSeconds, TEN_SECONDS, now);
    day = roll(day, DAY, now);
    tenSeconds.count += n;
    day.count += n;
  }

  return {
    admit(ip, weight, now) {
      const s = stateOf(ip, now);
      if (now < s.bannedUntil) throw banned(s, now);
      if (now < s.coolDownUntil) {
        s.bans += 1;
        s.bannedUntil = now + Math.min(MAX_BAN, banMs * 2 ** (s.bans - 1));
        s.coolDownUntil = 0;
        throw banned(s, now);
      }
      if (s.used + weight > weightLimit) {
        s.coolDownUntil = s.window + MINUTE;
        throw new RetryAfterError(
          429,
          -1003,
          `Too much request weight used; current limit is ${weightLimit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
          seconds(s.coolDownUntil - now),
        );
      }
      s.used += weight;
    },
    refund(ip, weight, now) {
      const s = stateOf(ip, now);
      s.used = Math.max(0, s.used - weight);
    },
    usedWeight: (ip, now) => stateOf(ip, now).used,
    admitOrder(now) {
      checkOrderLimit(now);
      countOrders(1, now);
    },
    checkOrderLimit,
    countOrders,
    orderCounts(now) {
      tenSeconds = roll(tenSeconds, TEN_SECONDS, now);
      day = roll(day, DAY, now);
      return { tenSeconds: tenSeconds.count, day: day.count };
    },
    reset() {
      ips.clear();
      tenSeconds = { window: 0, count: 0 };
      day = { window: 0, count: 0 };
    },
  };
}
