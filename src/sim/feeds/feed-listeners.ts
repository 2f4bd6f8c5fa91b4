/**
 * Listener sets for the feeds' ticks and candle closes. One failing listener (a bug in the
 * engine, say) must not starve the others or stop the feed: its error is reported and the
 * remaining listeners still run.
 */
export interface Listeners<T> {
  add(listener: (value: T) => void): () => void;
  emit(value: T): void;
  clear(): void;
}

/** `onError` receives what a listener threw; without it the first error is rethrown after every listener ran. */
export function createListeners<T>(onError?: (err: unknown) => void): Listeners<T> {
  const set = new Set<(value: T) => void>();
  return {
    add(listener) {
      // A wrapper per registration, so the same function registered twice is removed once per unsubscribe.
      const entry = (value: T) => listener(value);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    emit(value) {
      let failure: { err: unknown } | undefined;
      for (const listener of [...set]) {
        try {
          listener(value);
        } catch (err) {
          if (onError) onError(err);
          else failure ??= { err };
        }
      }
      if (failure) throw failure.err;
    },
    clear: () => set.clear(),
  };
}
