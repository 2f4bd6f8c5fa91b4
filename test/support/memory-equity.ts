/**
 * An EquityReader (src/ledger/ledger-types.ts) over samples held in memory: what the Mini App's
 * tests draw the net value chart from until the equity history (src/ledger/equity*) is merged.
 */
import type { EquityReader, EquitySample } from '../../src/ledger/ledger-types.js';

export interface MemoryEquity extends EquityReader {
  add(sample: EquitySample): void;
}

export function createMemoryEquity(initial: readonly EquitySample[] = []): MemoryEquity {
  const samples = [...initial].sort((a, b) => a.time - b.time);
  return {
    add(sample) {
      samples.push(sample);
      samples.sort((a, b) => a.time - b.time);
    },
    async samples(fromMs, toMs) {
      return samples.filter((s) => s.time >= fromMs && s.time < toMs);
    },
  };
}

/**
 * `days` of samples every `stepMin` minutes ending at `endMs`, a gentle walk around `start`
 * (deterministic: the same arguments give the same curve). Values are exact decimal strings.
 */
export function equityWalk(options: { endMs: number; days: number; stepMin: number; start: number }): EquitySample[] {
  const step = options.stepMin * 60_000;
  const count = Math.floor((options.days * 86_400_000) / step);
  const first = Math.floor(options.endMs / step) * step - (count - 1) * step;
  const out: EquitySample[] = [];
  let value = options.start;
  for (let i = 0; i < count; i++) {
    value += Math.sin(i / 9) * options.start * 0.002 + options.start * 0.0002;
    out.push({ time: first + i * step, value: value.toFixed(2) });
  }
  return out;
}
