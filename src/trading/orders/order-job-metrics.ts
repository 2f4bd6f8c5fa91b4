/** The orders worker's metrics: jobs by outcome, and Confirm → placed latency. */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface OrderJobMetrics {
  jobs: Counter<'outcome'>;
  latency: Histogram;
}

export function createOrderJobMetrics(registry: Registry | undefined): OrderJobMetrics {
  const registers = registry ? [registry] : [];
  return {
    jobs: new Counter({ name: 'binance_chatops_order_jobs_total', help: 'Order jobs processed, by outcome', labelNames: ['outcome'] as const, registers }),
    latency: new Histogram({
      name: 'binance_chatops_order_confirm_to_placed_seconds',
      help: 'From the Confirm tap to the exchange acknowledging the order',
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
