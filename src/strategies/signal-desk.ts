/**
 * The bot's side of /signal (DESIGN.md §11): start a signal, list them, switch them off. The
 * evaluation lives in the worker (signal-evaluator.ts); this only writes the signal store and
 * tells an in-process stop manager that its pairs changed (others re-read within their sync
 * period).
 */
import { AppError } from '../errors.js';
import type { StopInterval } from '../trading/stops/stop-intervals.js';
import type { Requester } from '../trading/types.js';
import type { Signal, SignalSize, SignalStore } from './signal-store.js';
import type { StrategyName } from './strategy-types.js';

/** Signals one trader may run at once. */
export const SIGNALS_PER_USER = 20;

export interface SignalRequest {
  symbol: string;
  strategy: StrategyName;
  interval: StopInterval;
  size: SignalSize;
}

export interface SignalDesk {
  start(request: SignalRequest, requester: Requester): Promise<Signal>;
  list(): Promise<Signal[]>;
  /** `all`: the requester's own signals. Returns the signals removed. */
  off(which: string, requester: Requester): Promise<Signal[]>;
}

export function createSignalDesk(deps: { store: SignalStore; onPairsChanged?: () => void; now?: () => number }): SignalDesk {
  const now = deps.now ?? Date.now;
  const changed = () => deps.onPairsChanged?.();
  return {
    async start(request, requester) {
      const own = await deps.store.byOwner(requester.userId);
      if (own.length >= SIGNALS_PER_USER) {
        throw new AppError('BOT_BAD_ARGUMENTS', `user ${requester.userId} has ${own.length} signals`, {
          userMessage: `You already run ${own.length} signals, the most one trader may. Switch one off with /signal off ID.`,
        });
      }
      const signal = await deps.store.create({
        userId: requester.userId,
        chatId: requester.chatId,
        ...(requester.displayName !== undefined ? { displayName: requester.displayName } : {}),
        ...request,
        createdAt: now(),
      });
      changed();
      return signal;
    },
    list: () => deps.store.all(),
    async off(which, requester) {
      const targets = which === 'all' ? await deps.store.byOwner(requester.userId) : [await deps.store.get(which)].filter((s): s is Signal => s !== undefined);
      if (which !== 'all' && targets.length === 0) {
        throw new AppError('BOT_BAD_ARGUMENTS', `no signal ${which}`, { userMessage: `There is no signal #${which}. /signal list shows them.` });
      }
      const foreign = targets.find((s) => s.userId !== requester.userId);
      if (foreign) {
        throw new AppError('CONFIRM_FOREIGN', `signal ${foreign.id} belongs to ${foreign.userId}`, {
          userMessage: `Signal #${foreign.id} is ${foreign.displayName ?? 'another trader'}’s: only they can switch it off.`,
        });
      }
      const removed: Signal[] = [];
      for (const signal of targets) if (await deps.store.remove(signal.id)) removed.push(signal);
      if (removed.length > 0) changed();
      return removed;
    },
  };
}
