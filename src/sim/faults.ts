/**
 * Fault injection for tests: a control API (never reachable over HTTP) that makes the simulator
 * misbehave the ways Binance does, so every failure path of the order pipeline (DESIGN.md §4,
 * BINANCE.md "Unknown outcome") runs against real sockets.
 *
 * - `error-503-after-execute`: the request is executed, the client gets 503 -1007 (status unknown).
 * - `timeout-after-execute`: executed, then no answer: the socket is held until the client gives up
 *   (or `holdMs`, default 60 s, passes and it is destroyed).
 * - `error-500-before`: 500 -1000 and nothing executed.
 * - `rate-limit-429` / `ban-418`: answered as the rate limiter would, with `Retry-After`.
 * - `delay`: waits `delayMs` before handling the request.
 * - `clock-skew`: moves the server clock by `offsetMs` until cleared; a client with a stale clock
 *   offset gets -1021 until it resyncs from GET /api/v3/time.
 */
import type { WsEndpoint } from './types.js';

export type FaultAction =
  | 'error-503-after-execute'
  | 'timeout-after-execute'
  | 'error-500-before'
  | 'rate-limit-429'
  | 'ban-418'
  | 'delay'
  | 'clock-skew';

export interface FaultSpec {
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Exact request path to match, e.g. "/api/v3/order" (any when absent). */
  path?: string;
  action: FaultAction;
  /** Requests it applies to before it is used up. Default 1. */
  times?: number;
  /** rate-limit-429 / ban-418: the Retry-After seconds. Default 10 (429) / 120 (418). */
  retryAfterSeconds?: number;
  /** delay: milliseconds before the request is handled. Default 1000. */
  delayMs?: number;
  /** timeout-after-execute: how long the socket is held. Default 60 000. */
  holdMs?: number;
  /** clock-skew: server clock offset, ms. */
  offsetMs?: number;
}

export interface FaultControl {
  inject(spec: FaultSpec): void;
  /** Drops every user data stream connection abruptly. */
  dropUserStreams(): void;
  /** Sends serverShutdown on every WebSocket connection, then closes them. */
  announceShutdown(): void;
  /** Removes every pending fault and the clock skew. */
  clear(): void;
  /** Faults not yet used up. */
  pending(): FaultSpec[];
}

export type Phase = 'before' | 'after';

export interface FaultPlan extends FaultControl {
  /**
   * Consumes and returns the faults of this phase that match the request, in injection order:
   * every matching delay, and at most one fault that answers the request.
   */
  take(method: string, path: string, phase: Phase): FaultSpec[];
}

const AFTER: ReadonlySet<FaultAction> = new Set(['error-503-after-execute', 'timeout-after-execute']);

export interface FaultDeps {
  setClockSkew(offsetMs: number): void;
  endpoints: () => readonly WsEndpoint[];
}

export function createFaultPlan(deps: FaultDeps): FaultPlan {
  let rules: Array<{ spec: FaultSpec; left: number }> = [];

  return {
    inject(spec) {
      if (spec.action === 'clock-skew') {
        deps.setClockSkew(spec.offsetMs ?? 0);
        return;
      }
      rules.push({ spec: { ...spec }, left: spec.times ?? 1 });
    },
    take(method, path, phase) {
      const taken: FaultSpec[] = [];
      let answered = false;
      for (const rule of rules) {
        if (rule.left <= 0 || AFTER.has(rule.spec.action) !== (phase === 'after')) continue;
        if (rule.spec.method !== undefined && rule.spec.method.toUpperCase() !== method) continue;
        if (rule.spec.path !== undefined && rule.spec.path !== path) continue;
        // Delays add up; of the faults that answer the request, the oldest wins and the rest wait.
        if (rule.spec.action !== 'delay') {
          if (answered) continue;
          answered = true;
        }
        rule.left -= 1;
        taken.push(rule.spec);
      }
      rules = rules.filter((r) => r.left > 0);
      return taken;
    },
    dropUserStreams() {
      // The user data stream lives on the WebSocket API; market streams stay up.
      for (const endpoint of deps.endpoints()) if (endpoint.matches('/ws-api/v3')) endpoint.dropAll();
    },
    announceShutdown() {
      for (const endpoint of deps.endpoints()) endpoint.announceShutdown();
    },
    clear() {
      rules = [];
      deps.setClockSkew(0);
    },
    pending: () => rules.map((r) => ({ ...r.spec, times: r.left })),
  };
}
