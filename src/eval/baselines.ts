import { QualityReference, type QualityScores } from './metrics.js';

/**
 * Reference points every model score is reported next to: what "nothing" (silence) and
 * "the original, slightly damaged" (white noise 20 dB below its RMS) score on the same clip.
 */

export const NOISE_BASELINE_DB = -20;
export const DEFAULT_BASELINE_SEED = 1234;

/** mulberry32: a small, fast, seedable PRNG; the same seed gives the same noise on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian white noise (Box–Muller), `length` samples, unit variance before scaling. */
export function whiteNoise(length: number, seed: number): Float64Array {
  const uniform = mulberry32(seed);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i += 2) {
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length === 0 ? 0 : Math.sqrt(s / x.length);
}

/**
 * The original plus white noise whose RMS is exactly `db` dB relative to the original's RMS
 * (the realised noise is rescaled, so the level does not depend on the draw).
 */
export function addNoiseAt(
  original: Float32Array,
  db: number = NOISE_BASELINE_DB,
  seed: number = DEFAULT_BASELINE_SEED,
): Float32Array {
  const noise = whiteNoise(original.length, seed);
  const noiseRms = rms(noise);
  const gain = noiseRms > 0 ? (rms(original) * 10 ** (db / 20)) / noiseRms : 0;
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = original[i] + gain * noise[i];
  return out;
}

export interface BaselineScores {
  silence: QualityScores;
  noise: QualityScores;
}

/** Both baselines for one original (pass its QualityReference when you already have one). */
export function baselineScores(
  original: Float32Array,
  seed: number = DEFAULT_BASELINE_SEED,
  reference: QualityReference = new QualityReference(original),
): BaselineScores {
  return {
    silence: reference.compare(new Float32Array(original.length)),
    noise: reference.compare(addNoiseAt(original, NOISE_BASELINE_DB, seed)),
  };
}
