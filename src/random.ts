/**
 * The one seeded random number generator of commonsynth, shared by every stage that draws random
 * choices (mashups, the sequencer, pair picking). Reproducibility from a seed is a product promise,
 * so nothing in the package uses Math.random for results.
 *
 * Generator: xoshiro128** 1.0 (Blackman & Vigna), 32-bit integer arithmetic only (Math.imul and
 * shifts), so every Node version and platform produces the same stream. State seeding: SplitMix32
 * over the seed's low and high 32-bit words.
 */
import { UsageError } from './errors.js';

const TWO_POW_32 = 4294967296;

export interface Rng {
  /** A uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** A uniform float in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** A uniform float in [min, max). */
  uniform(min: number, max: number): number;
  /** A uniform integer in [min, max], both inclusive, without modulo bias. */
  int(min: number, max: number): number;
  /** A standard normal deviate (Box–Muller; consumes two 32-bit draws). */
  gaussian(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

/** A seed must be a non-negative safe integer, so it survives JSON and the command line intact. */
export function assertSeed(seed: unknown, what = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`${what} must be a non-negative integer, got ${String(seed)}`);
  }
}

/** SplitMix32 step (mixing constants from Chris Wellons' hash prospector). */
function splitMix32(state: { value: number }): number {
  state.value = (state.value + 0x9e3779b9) | 0;
  let z = state.value;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A generator for `seed` (any non-negative safe integer; different seeds give different streams). */
export function createRng(seed: number): Rng {
  assertSeed(seed);
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  const mix = { value: low };
  const s0 = splitMix32(mix);
  const s1 = splitMix32(mix);
  mix.value = (mix.value ^ high) | 0;
  const s2 = splitMix32(mix);
  const s3 = splitMix32(mix);
  return createRngFromState([s0, s1, s2, s3]);
}

/**
 * A generator started from an explicit xoshiro128** state (four 32-bit words). Exposed so the
 * generator can be checked against the reference implementation's published test vectors.
 */
export function createRngFromState(state: readonly [number, number, number, number]): Rng {
  let [s0, s1, s2, s3] = state.map((word) => word >>> 0);
  // xoshiro must never have an all-zero state.
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  const next = (): number => nextUint32() / TWO_POW_32;

  const int = (min: number, max: number): number => {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new UsageError(`random int range must be integers with min <= max, got ${min}..${max}`);
    }
    const range = max - min + 1;
    if (range > TWO_POW_32) throw new UsageError(`random int range too large: ${range}`);
    if (range === TWO_POW_32) return min + nextUint32();
    // Reject the top partial bucket so every value is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let x = nextUint32();
    while (x >= limit) x = nextUint32();
    return min + (x % range);
  };

  const rng: Rng = {
    nextUint32,
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int,
    gaussian: () => {
      // u1 in (0, 1] so the logarithm is finite.
      const u1 = (nextUint32() + 1) / TWO_POW_32;
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new UsageError('cannot pick from an empty list');
      return items[int(0, items.length - 1)];
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        const tmp = out[i];
        out[i] = out[j];
        out[j] = tmp;
      }
      return out;
    },
  };
  return rng;
}

/**
 * An independent seed for a named purpose ("noise", "pair 3"), so adding draws to one purpose never
 * shifts the random choices of another. FNV-1a over the label, mixed with the seed by SplitMix32.
 */
export function deriveSeed(seed: number, label: string): number {
  assertSeed(seed);
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  const mix = { value: (seed >>> 0) ^ hash };
  splitMix32(mix);
  mix.value = (mix.value ^ (Math.floor(seed / TWO_POW_32) >>> 0)) | 0;
  return splitMix32(mix);
}
