/**
 * Level tools: peak and loudness normalisation, silence trimming. All return new arrays.
 */
import { UsageError } from '../errors.js';

const dbToGain = (db: number): number => 10 ** (db / 20);

function checkDb(name: string, db: number): void {
  if (!Number.isFinite(db))
    throw new UsageError(`${name} must be a finite number of dB, got ${db}`);
}

export function peakOf(samples: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = Math.abs(samples[i]);
    if (v > peak) peak = v;
  }
  return peak;
}

function scaled(samples: Float32Array, gain: number): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] * gain;
  return out;
}

/** Scales so the highest absolute sample sits at `targetDb` dBFS (default −1). Silence stays. */
export function normalizePeak(samples: Float32Array, targetDb = -1): Float32Array {
  checkDb('normalizePeak: targetDb', targetDb);
  const peak = peakOf(samples);
  return peak === 0 ? samples.slice() : scaled(samples, dbToGain(targetDb) / peak);
}

/** Block length for the loudness measure, and the absolute gate that ignores silence. */
const LOUDNESS_BLOCK_SECONDS = 0.1;
const LOUDNESS_GATE_DB = -70;

/**
 * Gated RMS level in dBFS (a full-scale sine reads −3 dBFS): the mean power of 100 ms blocks,
 * leaving out blocks quieter than −70 dBFS like EBU R128's absolute gate, so leading and
 * trailing silence do not count. It is not LUFS: no K-weighting and no relative gate.
 * Returns -Infinity for silence.
 */
export function loudnessDb(samples: Float32Array, sampleRate: number): number {
  const block = Math.max(1, Math.round(LOUDNESS_BLOCK_SECONDS * sampleRate));
  const gate = dbToGain(LOUDNESS_GATE_DB) ** 2;
  let energy = 0;
  let counted = 0;
  for (let start = 0; start < samples.length; start += block) {
    const end = Math.min(samples.length, start + block);
    let sum = 0;
    for (let i = start; i < end; i++) sum += samples[i] * samples[i];
    if (sum / (end - start) >= gate) {
      energy += sum;
      counted += end - start;
    }
  }
  return counted === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(energy / counted);
}

export interface LoudnessOptions {
  /** Sample rate, for the 100 ms measuring blocks (default 16000). */
  sampleRate?: number;
  /** The peak never goes above this (dBFS, default −1): the gain is lowered to respect it. */
  ceilingDb?: number;
}

/**
 * Scales to a gated RMS loudness of `targetDb` dBFS (default −20; see `loudnessDb`), lowering
 * the gain where needed so the peak stays under `ceilingDb`. Silence stays silence.
 */
export function normalizeLoudness(
  samples: Float32Array,
  targetDb = -20,
  options: LoudnessOptions = {},
): Float32Array {
  checkDb('normalizeLoudness: targetDb', targetDb);
  const ceilingDb = options.ceilingDb ?? -1;
  checkDb('normalizeLoudness: ceilingDb', ceilingDb);
  const level = loudnessDb(samples, options.sampleRate ?? 16000);
  if (level === Number.NEGATIVE_INFINITY) return samples.slice();
  const peak = peakOf(samples);
  const gain = Math.min(dbToGain(targetDb - level), dbToGain(ceilingDb) / peak);
  return scaled(samples, gain);
}

export interface TrimOptions {
  /** Silence kept before and after the sound, in seconds (default 0.01). */
  paddingSeconds?: number;
}

/**
 * Cuts leading and trailing silence: everything before the first and after the last sample
 * whose level reaches `thresholdDb` dBFS (default −50), keeping a little padding. A clip that is
 * silent throughout comes back empty.
 */
export function trimSilence(
  samples: Float32Array,
  sampleRate: number,
  thresholdDb = -50,
  options: TrimOptions = {},
): Float32Array {
  checkDb('trimSilence: thresholdDb', thresholdDb);
  if (!(sampleRate > 0)) throw new UsageError(`trimSilence: bad sample rate ${sampleRate}`);
  const threshold = dbToGain(thresholdDb);
  let first = 0;
  while (first < samples.length && Math.abs(samples[first]) < threshold) first++;
  if (first === samples.length) return new Float32Array(0);
  let last = samples.length - 1;
  while (last > first && Math.abs(samples[last]) < threshold) last--;
  const padding = Math.round((options.paddingSeconds ?? 0.01) * sampleRate);
  return samples.slice(Math.max(0, first - padding), Math.min(samples.length, last + 1 + padding));
}
