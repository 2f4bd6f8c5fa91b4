/** The /backtest progress card's pace (src/strategies/progress-card.ts): at most one edit per period, forced edits always, no repeats. */
import { describe, expect, it } from 'vitest';
import { createProgressCard } from '../../src/strategies/progress-card.js';

describe('progress card', () => {
  it('sends edits one after another: a slow progress edit cannot land after the final one', async () => {
    const landed: string[] = [];
    let clock = 0;
    const card = createProgressCard({
      everyMs: 2_000,
      now: () => clock,
      edit: (text) => new Promise((resolve) => setTimeout(() => resolve(void landed.push(text)), text === 'slow' ? 50 : 1)),
      onError: () => undefined,
    });
    void card.show('slow', true);
    clock = 100;
    await card.show('final', true);
    expect(landed).toEqual(['slow', 'final']);
  });

  it('edits at most every 2 s, always for a forced state, never twice with the same text, and survives a failed edit', async () => {
    let clock = 0;
    const edits: Array<[number, string]> = [];
    const errors: unknown[] = [];
    const card = createProgressCard({
      everyMs: 2_000,
      now: () => clock,
      edit: async (text) => {
        if (text === 'boom') throw new Error('telegram said no');
        edits.push([clock, text]);
      },
      onError: (e) => void errors.push(e),
    });
    await card.show('loading', true);
    for (let t = 100; t <= 5_000; t += 100) {
      clock = t;
      await card.show(`${t}`);
    }
    clock = 5_050;
    await card.show('done', true);
    await card.show('done', true);
    expect(edits).toEqual([[0, 'loading'], [2_000, '2000'], [4_000, '4000'], [5_050, 'done']]);
    const times = edits.map(([t]) => t);
    for (let i = 1; i < times.length - 1; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(2_000);

    clock = 9_000;
    await card.show('boom');
    expect(errors).toHaveLength(1);
    clock = 9_100;
    await card.show('after', true);
    expect(edits.at(-1)).toEqual([9_100, 'after']);
  });
});
