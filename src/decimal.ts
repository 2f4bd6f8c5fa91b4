/**
 * Exact decimal arithmetic on decimal strings.
 *
 * Binance sends and accepts prices and quantities as plain decimal strings
 * (`^([0-9]{1,20})(\.[0-9]{1,20})?$`, see BINANCE.md "Filters"). A JS float cannot hold
 * 0.1 or 4.35 exactly, and a float that decides what is sent to the exchange eventually
 * sends an off-tick price (-1013) or a quantity one step too large (-2010). Everything
 * here is a bigint scaled by a power of ten; inputs and outputs are strings.
 *
 * Canonical output: no exponent, no leading zeros, no trailing fractional zeros, "0" for zero
 * (never "-0"). Use `formatFixed` when a fixed number of decimals is wanted.
 */

export type Rounding = 'floor' | 'ceil' | 'half-up' | 'down' | 'up';

export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}

interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;
const POW10: bigint[] = [];
function pow10(n: number): bigint {
  let v = POW10[n];
  if (v === undefined) {
    v = 10n ** BigInt(n);
    POW10[n] = v;
  }
  return v;
}

export interface ParseOptions {
  /** Accept a leading minus sign. Default false: prices and quantities are never negative. */
  allowNegative?: boolean;
}

function parse(input: string, options?: ParseOptions): Scaled {
  if (typeof input !== 'string') throw new DecimalError('not a string', String(input));
  const m = DECIMAL_RE.exec(input);
  if (!m) throw new DecimalError(`"${input}" is not a plain decimal number`, input);
  const [, sign, int, frac = ''] = m;
  const units = BigInt((int ?? '0') + frac);
  if (sign === '-') {
    if (!options?.allowNegative) throw new DecimalError(`"${input}" is negative`, input);
    return { units: -units, scale: frac.length };
  }
  return { units, scale: frac.length };
}

function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.units, b.units, a.scale];
  if (a.scale > b.scale) return [a.units, b.units * pow10(a.scale - b.scale), a.scale];
  return [a.units * pow10(b.scale - a.scale), b.units, b.scale];
}

function render(units: bigint, scale: number): string {
  if (units === 0n) return '0';
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    let int = digits.slice(0, digits.length - scale);
    let frac = digits.slice(digits.length - scale);
    frac = frac.replace(/0+$/, '');
    int = int.replace(/^0+(?=\d)/, '');
    digits = frac ? `${int}.${frac}` : int;
  }
  return negative ? `-${digits}` : digits;
}

/** Integer division of n by d (d > 0) with the given rounding of the quotient. */
function divRound(n: bigint, d: bigint, rounding: Rounding): bigint {
  const q = n / d; // truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  const positive = n > 0n;
  switch (rounding) {
    case 'down':
      return q;
    case 'up':
      return positive ? q + 1n : q - 1n;
    case 'floor':
      return positive ? q : q - 1n;
    case 'ceil':
      return positive ? q + 1n : q;
    case 'half-up': {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice >= d) return positive ? q + 1n : q - 1n;
      return q;
    }
  }
}

/** True when `input` is a plain non-negative decimal string Binance would accept in shape. */
export function isDecimal(input: string, options?: ParseOptions): boolean {
  try {
    parse(input, options);
    return true;
  } catch {
    return false;
  }
}

/** Validates and canonicalises ("000.10" → "0.1"). Throws DecimalError on exponents, NaN, signs. */
export function normalize(input: string, options?: ParseOptions): string {
  const { units, scale } = parse(input, options);
  return render(units, scale);
}

const SIGNED: ParseOptions = { allowNegative: true };

export function compare(a: string, b: string): -1 | 0 | 1 {
  const [x, y] = align(parse(a, SIGNED), parse(b, SIGNED));
  return x < y ? -1 : x > y ? 1 : 0;
}

export const eq = (a: string, b: string): boolean => compare(a, b) === 0;
export const lt = (a: string, b: string): boolean => compare(a, b) < 0;
export const lte = (a: string, b: string): boolean => compare(a, b) <= 0;
export const gt = (a: string, b: string): boolean => compare(a, b) > 0;
export const gte = (a: string, b: string): boolean => compare(a, b) >= 0;
export const isZero = (a: string): boolean => parse(a, SIGNED).units === 0n;
export const isPositive = (a: string): boolean => parse(a, SIGNED).units > 0n;
export const min = (a: string, b: string): string => (lte(a, b) ? a : b);
export const max = (a: string, b: string): string => (gte(a, b) ? a : b);

export function add(a: string, b: string): string {
  const [x, y, s] = align(parse(a, SIGNED), parse(b, SIGNED));
  return render(x + y, s);
}

export function sub(a: string, b: string): string {
  const [x, y, s] = align(parse(a, SIGNED), parse(b, SIGNED));
  return render(x - y, s);
}

export function mul(a: string, b: string): string {
  const x = parse(a, SIGNED);
  const y = parse(b, SIGNED);
  return render(x.units * y.units, x.scale + y.scale);
}

export function neg(a: string): string {
  const x = parse(a, SIGNED);
  return render(-x.units, x.scale);
}

export function abs(a: string): string {
  const x = parse(a, SIGNED);
  return render(x.units < 0n ? -x.units : x.units, x.scale);
}

/**
 * a / b with `decimals` digits after the point, rounded as asked (default: toward zero).
 * Exact up to that precision; throws on division by zero.
 */
export function div(a: string, b: string, decimals: number, rounding: Rounding = 'down'): string {
  assertDecimals(decimals);
  const x = parse(a, SIGNED);
  const y = parse(b, SIGNED);
  if (y.units === 0n) throw new DecimalError('division by zero', b);
  // a/b = (xu/10^xs) / (yu/10^ys); scaled by 10^decimals:
  // q = xu * 10^(ys + decimals) / (yu * 10^xs)
  let n = x.units * pow10(y.scale + decimals);
  let d = y.units * pow10(x.scale);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  return render(divRound(n, d, rounding), decimals);
}

/** Rounds `value` to `decimals` digits after the point. */
export function round(value: string, decimals: number, rounding: Rounding = 'half-up'): string {
  assertDecimals(decimals);
  const x = parse(value, SIGNED);
  if (x.scale <= decimals) return render(x.units, x.scale);
  return render(divRound(x.units, pow10(x.scale - decimals), rounding), decimals);
}

/** `value` rounded to a multiple of `step` (step > 0). Floors by default: quantities never grow. */
export function toStep(value: string, step: string, rounding: Rounding = 'floor'): string {
  const [x, s, scale] = align(parse(value, SIGNED), parse(step));
  if (s === 0n) throw new DecimalError('step must be positive', step);
  return render(divRound(x, s, rounding) * s, scale);
}

export const floorToStep = (value: string, step: string): string => toStep(value, step, 'floor');
export const ceilToStep = (value: string, step: string): string => toStep(value, step, 'ceil');
export const roundToStep = (value: string, step: string): string => toStep(value, step, 'half-up');

/** True when `value` is an exact multiple of `step`; a zero step means the rule is disabled. */
export function isMultipleOf(value: string, step: string): boolean {
  const [x, s] = align(parse(value, SIGNED), parse(step));
  if (s === 0n) return true;
  return x % s === 0n;
}

/**
 * Number of meaningful decimals of a step or tick: "0.01000000" → 2, "1.00000000" → 0.
 * This is how many decimals a price or quantity on that grid may be sent with (-1111 otherwise).
 */
export function decimalsOf(step: string): number {
  const canonical = normalize(step);
  const dot = canonical.indexOf('.');
  return dot < 0 ? 0 : canonical.length - dot - 1;
}

/** Formats with exactly `decimals` digits after the point (padding with zeros, rounding as asked). */
export function formatFixed(value: string, decimals: number, rounding: Rounding = 'half-up'): string {
  const rounded = round(value, decimals, rounding);
  if (decimals === 0) return rounded;
  const negative = rounded.startsWith('-');
  const body = negative ? rounded.slice(1) : rounded;
  const [int, frac = ''] = body.split('.');
  return `${negative ? '-' : ''}${int}.${frac.padEnd(decimals, '0')}`;
}

/**
 * Converts a JS number that came from somewhere outside our control (a JSON number in a
 * Telegram payload, a config value) into a decimal string, refusing anything that is not
 * finite. Never use this for amounts computed with float math: compute on strings instead.
 */
export function fromNumber(value: number): string {
  if (!Number.isFinite(value)) throw new DecimalError('not a finite number', String(value));
  // String() gives the shortest text that round-trips (0.1 → "0.1"), but may use an exponent.
  const text = String(value);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!m) return normalize(text, SIGNED);
  const [, sign = '', int = '0', frac = '', exp = '0'] = m;
  const shift = Number(exp);
  const digits = int + frac;
  const point = int.length + shift;
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return normalize(sign + plain, SIGNED);
}

/**
 * A float approximation for display-only work (charts, indicator math, sorting a ranking).
 * The name is deliberately loud: it must never feed a value sent to the exchange.
 */
export function toApproxNumber(value: string): number {
  return Number(normalize(value, SIGNED));
}

function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 40) {
    throw new DecimalError(`decimals must be an integer 0..40, got ${decimals}`, String(decimals));
  }
}
