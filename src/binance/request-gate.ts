/**
 * The hold every request passes before it leaves (BINANCE.md "Limits"): after a 429 Binance
 * expects no request until `Retry-After` has passed, and sending anyway earns a 418 IP ban of
 * 2 minutes to 3 days. Limits are per IP, so one gate is shared by every client in a process
 * (inject the same gate into each).
 *
 * A request that would wait longer than its caller allows fails at once with the remaining time
 * instead of hanging: a queue worker then reschedules with its own rate limiting.
 */
import { ExchangeError } from '../errors.js';
import { sleep } from '../sleep.js';

export type HoldReason = 'rate-limited' | 'banned';

export interface RequestGate {
  /**
   * Resolves when requests may be sent. Rejects at once with EXCHANGE_RATE_LIMITED or
   * EXCHANGE_IP_BANNED (kind `rate-limited`, `retryAfterMs` set) when the hold would outlast
   * `maxWaitMs`. Nothing was sent in that case.
   */
  pass(request: { method: string; path: string; maxWaitMs: number }): Promise<void>;
  /** Holds every request until `untilMs` (epoch ms). A hold is only ever extended; a ban outranks a rate limit. */
  hold(untilMs: number, reason: HoldReason): void;
  /** Epoch ms until which requests are held, or 0. */
  blockedUntil(): number;
  reason(): HoldReason | undefined;
}

export interface RequestGateOptions {
  /** Epoch ms clock; default Date.now. */
  now?: () => number;
}

export function createRequestGate(options: RequestGateOptions = {}): RequestGate {
  const now = options.now ?? Date.now;
  let until = 0;
  let holdReason: HoldReason | undefined;

  const remaining = () => until - now();

  return {
    async pass({ method, path, maxWaitMs }) {
      // Re-check after every sleep: the hold may have been extended meanwhile, and timers may
      // fire a millisecond early.
      for (let wait = remaining(); wait > 0; wait = remaining()) {
        if (wait > maxWaitMs) {
          const banned = holdReason === 'banned';
          throw new ExchangeError(banned ? 'EXCHANGE_IP_BANNED' : 'EXCHANGE_RATE_LIMITED', {
            kind: 'rate-limited',
            method,
            path,
            retryAfterMs: wait,
          });
        }
        await sleep(wait);
      }
    },
    hold(untilMs, reason) {
      if (untilMs > until) {
        until = untilMs;
        holdReason = reason;
      } else if (reason === 'banned' && untilMs > now()) {
        holdReason = 'banned';
      }
    },
    blockedUntil: () => (remaining() > 0 ? until : 0),
    reason: () => (remaining() > 0 ? holdReason : undefined),
  };
}
