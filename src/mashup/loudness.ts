/**
 * Loudness matching of source audio before it is encoded: sources recorded at very different
 * levels would otherwise dominate (or vanish from) a latent mix, because the encoder's embeddings
 * scale with input level.
 */
import { UsageError } from '../errors.js';

export interface RmsMatchOptions {
  /** Target RMS level in dBFS (0 dBFS = RMS of a full-scale square wave), e.g. -20. */
  targetDbfs: number;
  /** Never raise the peak above this linear level (default 1): the gain is lowered instead. */
  peakCeiling?: number;
}

export interface RmsMatchResult {
  samples: Float32Array;
  /** Gain applied, in dB (0 for silence, which is returned unchanged). */
  gainDb: number;
  /** True when the peak ceiling lowered the gain below what the target asked for. */
  peakLimited: boolean;
}

export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}

export function gainToDb(gain: number): number {
  return 20 * Math.log10(gain);
}

/** RMS of the samples (0 for an empty array), summed in index order in float64. */
export function rmsLevel(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

export function peakLevel(samples: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const a = Math.abs(samples[i]);
    if (a > peak) peak = a;
  }
  return peak;
}

/**
 * Scale mono audio so its RMS level is `targetDbfs`, unless that would push the peak over the
 * ceiling. Returns a new array; silence comes back unchanged (no level to match).
 */
export function matchRmsLoudness(samples: Float32Array, options: RmsMatchOptions): RmsMatchResult {
  const { targetDbfs } = options;
  const ceiling = options.peakCeiling ?? 1;
  if (!Number.isFinite(targetDbfs) || targetDbfs > 0) {
    throw new UsageError(`loudness target must be a finite dBFS value <= 0, got ${targetDbfs}`);
  }
  if (!Number.isFinite(ceiling) || ceiling <= 0) {
    throw new UsageError(`peak ceiling must be a positive number, got ${ceiling}`);
  }
  const rms = rmsLevel(samples);
  if (rms === 0) return { samples: samples.slice(), gainDb: 0, peakLimited: false };
  let gain = dbToGain(targetDbfs) / rms;
  const peak = peakLevel(samples);
  let peakLimited = false;
  if (peak * gain > ceiling) {
    gain = ceiling / peak;
    peakLimited = true;
  }
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] * gain;
  return { samples: out, gainDb: gainToDb(gain), peakLimited };
}
