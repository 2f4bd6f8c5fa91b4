/**
 * Prices as scaled integers for the per-tick hot path: every resting order is compared with every
 * tick, and parsing two decimal strings per comparison dominated a tick's cost. Binance decimals
 * have at most 20 fractional digits (BINANCE.md "Filters"), so a scale of 10^20 is exact.
 */
const SCALE = 20;
const ZEROS = '0'.repeat(SCALE);

/** The exact value × 10^20 of a plain non-negative decimal string. */
export function toScaled(value: string): bigint {
  const dot = value.indexOf('.');
  if (dot < 0) return BigInt(value + ZEROS);
  const frac = value.slice(dot + 1);
  if (frac.length > SCALE) throw new RangeError(`${value} has more than ${SCALE} decimals`);
  return BigInt(value.slice(0, dot) + frac + ZEROS.slice(frac.length));
}
