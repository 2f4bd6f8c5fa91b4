/**
 * A seeded pseudo-random generator (sfc32) for chaos and fuzz runs: every generated case and
 * every injected fault follows from one seed, so a failure reproduces with `CHAOS_SEED=<seed>`.
 * Never Math.random in these suites.
 */

export interface Prng {
  readonly seed: number;
  /** [0, 1). */
  next(): number;
  /** Integer in [0, max). */
  int(max: number): number;
  /** Integer in [min, max]. */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: [[weight, value], …]. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T;
  /** A generator for a sub-stream (a process, a user), independent of later draws here. */
  fork(): Prng;
}

export function createPrng(seed: number): Prng {
  // sfc32 seeded through splitmix32, so nearby seeds give unrelated streams.
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();

  const prng: Prng = {
    seed,
    next,
    int: (max) => Math.floor(next() * max),
    between: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
      const total = choices.reduce((sum, [w]) => sum + w, 0);
      let roll = next() * total;
      for (const [weight, value] of choices) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return choices[choices.length - 1]![1];
    },
    fork: () => createPrng(Math.floor(next() * 4294967296)),
  };
  return prng;
}

/** The run's seed: CHAOS_SEED when set (to reproduce a failure), else a fixed default per suite. */
export function seedOf(suiteDefault: number): number {
  const fromEnv = process.env.CHAOS_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const value = Number(fromEnv);
    if (!Number.isInteger(value)) throw new Error(`CHAOS_SEED must be an integer, got ${fromEnv}`);
    return value >>> 0;
  }
  return suiteDefault >>> 0;
}
