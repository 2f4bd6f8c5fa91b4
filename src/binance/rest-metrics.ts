/**
 * Prometheus metrics of the REST client (BINANCE.md "Limits"): the weight and order counts
 * Binance reports on every answer, request durations by endpoint and outcome, and errors by
 * kind. Registered on the registry passed in; several clients may share one registry.
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

export type RequestOutcome = 'ok' | 'rejected' | 'rate-limited' | 'unknown-outcome' | 'transient';

export interface RestMetrics {
  usedWeight1m: Gauge;
  orderCount10s: Gauge;
  orderCount1d: Gauge;
  clockOffset: Gauge;
  duration: Histogram<'endpoint' | 'outcome'>;
  errors: Counter<'kind'>;
}

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createRestMetrics(registry: Registry = new Registry()): RestMetrics {
  const registers = [registry];
  return {
    usedWeight1m: reuse(registry, 'binance_chatops_exchange_used_weight_1m', () =>
      new Gauge({ name: 'binance_chatops_exchange_used_weight_1m', help: 'X-MBX-USED-WEIGHT-1M of the last answer (request weight used this minute, per IP).', registers }),
    ),
    orderCount10s: reuse(registry, 'binance_chatops_exchange_order_count_10s', () =>
      new Gauge({ name: 'binance_chatops_exchange_order_count_10s', help: 'X-MBX-ORDER-COUNT-10S of the last order answer.', registers }),
    ),
    orderCount1d: reuse(registry, 'binance_chatops_exchange_order_count_1d', () =>
      new Gauge({ name: 'binance_chatops_exchange_order_count_1d', help: 'X-MBX-ORDER-COUNT-1D of the last order answer.', registers }),
    ),
    clockOffset: reuse(registry, 'binance_chatops_exchange_clock_offset_ms', () =>
      new Gauge({ name: 'binance_chatops_exchange_clock_offset_ms', help: 'Local clock minus exchange clock, ms.', registers }),
    ),
    duration: reuse(registry, 'binance_chatops_exchange_request_duration_seconds', () =>
      new Histogram({
        name: 'binance_chatops_exchange_request_duration_seconds',
        help: 'Duration of exchange REST requests by endpoint and outcome.',
        labelNames: ['endpoint', 'outcome'] as const,
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    ),
    errors: reuse(registry, 'binance_chatops_exchange_errors_total', () =>
      new Counter({
        name: 'binance_chatops_exchange_errors_total',
        help: 'Failed exchange REST requests by kind (rejected, rate-limited, unknown-outcome, transient).',
        labelNames: ['kind'] as const,
        registers,
      }),
    ),
  };
}
