/**
 * A card that shows work in progress (the /backtest card): edits at most every `everyMs`
 * (Telegram allows about one edit a second per chat, and a trader reads no faster), never the
 * same text twice (Telegram refuses it), and always the forced ones: the first state and the end.
 * Edits go out one after another, so a progress edit still on its way can never land after the
 * final one. An edit that fails is logged and skipped; the next one says more.
 */
export interface ProgressCard {
  /** Shows `text` unless an edit went out less than `everyMs` ago (`force` shows it anyway). */
  show(text: string, force?: boolean): Promise<void>;
}

export function createProgressCard(options: { everyMs: number; now: () => number; edit: (text: string) => Promise<void>; onError: (error: unknown) => void }): ProgressCard {
  let lastAt = Number.NEGATIVE_INFINITY;
  let shown = '';
  let queue: Promise<void> = Promise.resolve();
  return {
    show(text, force = false) {
      if (text === shown || (!force && options.now() - lastAt < options.everyMs)) return queue;
      lastAt = options.now();
      shown = text;
      queue = queue.then(() => options.edit(text)).catch((error: unknown) => options.onError(error));
      return queue;
    },
  };
}
