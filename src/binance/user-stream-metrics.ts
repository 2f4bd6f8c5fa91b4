/**
 * Prometheus metrics of the user data stream: its state, reconnects by reason, events by type and
 * the time of the last event. Registered on the registry passed in and reused when a registry
 * already has them (a worker builds a new client each time it wins the stream lease).
 */
import { Counter, Gauge, Registry, type Metric } from 'prom-client';

export const USER_STREAM_STATES = ['idle', 'connecting', 'subscribed', 'reconnecting', 'stopped'] as const;

export interface UserStreamMetrics {
  state: Gauge<'state'>;
  reconnects: Counter<'reason'>;
  events: Counter<'type'>;
  lastEvent: Gauge;
}

function reuse<T extends Metric>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createUserStreamMetrics(registry: Registry = new Registry()): UserStreamMetrics {
  const registers = [registry];
  return {
    state: reuse(registry, 'binance_chatops_user_stream_state', () =>
      new Gauge({ name: 'binance_chatops_user_stream_state', help: 'User data stream state (1 for the current state).', labelNames: ['state'] as const, registers }),
    ),
    reconnects: reuse(registry, 'binance_chatops_user_stream_reconnects_total', () =>
      new Counter({ name: 'binance_chatops_user_stream_reconnects_total', help: 'User data stream reconnects, by reason.', labelNames: ['reason'] as const, registers }),
    ),
    events: reuse(registry, 'binance_chatops_user_stream_events_total', () =>
      new Counter({ name: 'binance_chatops_user_stream_events_total', help: 'User data stream frames received, by event type.', labelNames: ['type'] as const, registers }),
    ),
    lastEvent: reuse(registry, 'binance_chatops_user_stream_last_event_seconds', () =>
      new Gauge({ name: 'binance_chatops_user_stream_last_event_seconds', help: 'Epoch seconds of the last user data event.', registers }),
    ),
  };
}
