/**
 * Stop bases (stop-types.ts `StopBasis`): building them from what the rules decided, and reading
 * the untagged shape still in Redis. Stops and stop cards in that shape keep a
 * bare fractal (`{ price, openTime }`) under `fractal` on the stop, its last move, its candidate,
 * its pending move and a card's first stop; they are read as fractal bases, so a stop armed before
 * an upgrade keeps trailing after it. The next save writes the new shape.
 */
import { normalize, toStep } from '../../decimal.js';
import type { Fractal } from '../../market/fractals.js';
import type { TrailHighRef } from '../../market/trail-rule.js';
import type { FractalRef, ManagedStop, StopBasis, StopIntent } from './stop-types.js';

export const fractalBasis = (f: Pick<Fractal, 'price' | 'openTime'>): StopBasis => ({ kind: 'fractal', price: normalize(f.price), openTime: f.openTime });

/**
 * A level no rule chose (a fixed stop given a target by /tp, an interrupted move of a stop whose
 * basis was never recorded): recorded at its own price, which no text names.
 */
export const levelBasis = (price: string): StopBasis => fractalBasis({ price, openTime: 0 });

/** The basis of a percent or ATR stop at `high` (ATR shown to 8 decimals: it is a float indicator). */
export function trailBasis(stop: Pick<ManagedStop, 'kind' | 'percent' | 'atrMultiple'>, high: TrailHighRef, atr: number | undefined): StopBasis | undefined {
  if (stop.kind === 'percent' && stop.percent !== undefined) return { kind: 'percent', percent: stop.percent, high: high.price, openTime: high.openTime };
  if (stop.kind === 'atr' && stop.atrMultiple !== undefined && atr !== undefined) {
    return { kind: 'atr', multiple: stop.atrMultiple, atr: normalize(toStep(String(atr), '0.00000001', 'half-up')), high: high.price, openTime: high.openTime };
  }
  return undefined;
}

type Legacy<T> = T & { fractal?: FractalRef };

const basisOf = (value: { basis?: StopBasis; fractal?: FractalRef }): StopBasis | undefined =>
  value.basis ?? (value.fractal ? { kind: 'fractal', price: value.fractal.price, openTime: value.fractal.openTime } : undefined);

function withBasis<T extends object>(value: Legacy<T> & { basis?: StopBasis }): T & { basis?: StopBasis } {
  if (value.fractal === undefined) return value;
  const { fractal: _legacy, ...rest } = value;
  const basis = basisOf(value);
  return { ...(rest as T), ...(basis ? { basis } : {}) };
}

/** A stop as stored, in the current shape whatever version wrote it. */
export function readStoredStop(json: string): ManagedStop {
  const raw = JSON.parse(json) as Legacy<ManagedStop>;
  const stop = withBasis<ManagedStop>(raw);
  if (raw.lastMove) stop.lastMove = withBasis(raw.lastMove as Legacy<NonNullable<ManagedStop['lastMove']>>) as ManagedStop['lastMove'];
  if (raw.candidate) stop.candidate = withBasis(raw.candidate as Legacy<NonNullable<ManagedStop['candidate']>>) as ManagedStop['candidate'];
  if (raw.moving) stop.moving = withBasis(raw.moving as Legacy<NonNullable<ManagedStop['moving']>>) as ManagedStop['moving'];
  return stop;
}

/** A stop card's intent, in the current shape (a card shown before an upgrade may be confirmed after it). */
export function readStopIntent(spec: StopIntent): StopIntent {
  const initial = spec.initial as Legacy<NonNullable<StopIntent['initial']>> | undefined;
  return initial?.fractal === undefined ? spec : { ...spec, initial: withBasis(initial) as StopIntent['initial'] };
}
