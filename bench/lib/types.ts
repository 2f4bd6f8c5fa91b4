/** What every scenario hands back to the runner (bench/run.ts), and what the report is made of. */

export interface Target {
  /** Which figure the target applies to. */
  on: 'median' | 'p99' | 'value';
  op: '<' | '<=' | '>=' | '==';
  value: number;
  /** As printed, e.g. "p99 < 20 ms". */
  text: string;
}

export interface Row {
  /** What was measured, in a few words. */
  what: string;
  unit: string;
  median?: number;
  p99?: number;
  /** For a single figure (a count, a memory reading, a throughput). */
  value?: number;
  n?: number;
  target?: Target;
  /** Ratios against peers measured in the same run, e.g. "ccxt 2.1×, binance 1.4×". */
  peers?: string;
  note?: string;
  /** Set instead of figures when the scenario cannot run (never an invented number). */
  status?: 'not built yet' | 'failed' | 'skipped';
}

export interface ScenarioResult {
  id: string;
  title: string;
  rows: Row[];
  /** Everything else measured, kept in the results JSON. */
  details?: unknown;
  durationS?: number;
  /** 1-minute load average of the machine when the scenario started and ended (set by run.ts). */
  load?: { start: number; end: number };
}

export interface ScenarioContext {
  quick: boolean;
  /** Project root (the bench runs from there). */
  root: string;
  log(message: string): void;
}

export function metTarget(row: Row): boolean | undefined {
  const t = row.target;
  if (!t || row.status) return undefined;
  const figure = t.on === 'median' ? row.median : t.on === 'p99' ? row.p99 : row.value;
  if (figure === undefined || Number.isNaN(figure)) return undefined;
  switch (t.op) {
    case '<':
      return figure < t.value;
    case '<=':
      return figure <= t.value;
    case '>=':
      return figure >= t.value;
    case '==':
      return figure === t.value;
  }
}
