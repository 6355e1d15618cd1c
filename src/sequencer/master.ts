/**
 * Peak-safe mastering of a finished track: a look-ahead limiter, or plain peak normalisation.
 * Either guarantees no sample exceeds the ceiling, so the track survives 16-bit export unclipped.
 */
import { truePeakEnvelope, truePeakOf } from '../audio/loudness.js';
import { UsageError } from '../errors.js';

export interface LimiterOptions {
  /** Linear peak ceiling, e.g. 0.891 for −1 dBFS. */
  ceiling: number;
  /** Look-ahead in samples: the gain starts falling this long before a peak (default 80, 5 ms). */
  lookahead?: number;
  /** Release time constant in samples: how slowly the gain recovers (default 1600, 100 ms). */
  release?: number;
  /**
   * The magnitude to keep under the ceiling at each sample (default |x|); the true-peak master
   * passes the 4x oversampled envelope (`truePeakEnvelope`).
   */
  peaks?: Float64Array;
}

export interface LimiterResult {
  samples: Float32Array;
  /** The smallest gain applied (1 when nothing needed limiting). */
  minGain: number;
}

/** The largest float32 value not above x (x > 0), so a clamp survives storing into a Float32Array. */
export function float32AtMost(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, f);
  view.setUint32(0, view.getUint32(0) - 1);
  return view.getFloat32(0);
}

function clamp(y: number, limit: number): number {
  return Math.max(-limit, Math.min(limit, y));
}

/**
 * Look-ahead peak limiter. For every sample the gain that would keep it under the ceiling is
 * r[n] = min(1, ceiling / |x[n]|). The applied gain is a moving average over `lookahead` samples
 * of h, where h[i] never exceeds the minimum of r over [i, i + lookahead) and recovers towards 1
 * with the release time constant. Every h averaged at sample n saw r[n] in its window, so the gain
 * at n is at most r[n]: the ceiling holds by construction, and the gain moves smoothly (no
 * clicks). A final clamp only absorbs rounding (to the largest float32 under
 * the ceiling).
 */
export function limitPeaks(samples: Float32Array, options: LimiterOptions): LimiterResult {
  const { ceiling } = options;
  const lookahead = Math.max(1, Math.round(options.lookahead ?? 80));
  const release = options.release ?? 1600;
  if (!Number.isFinite(ceiling) || ceiling <= 0) {
    throw new UsageError(`limiter ceiling must be a positive number, got ${ceiling}`);
  }
  if (!Number.isFinite(release) || release <= 0) {
    throw new UsageError(`limiter release must be a positive number of samples, got ${release}`);
  }
  const n = samples.length;
  const peaks = options.peaks;
  if (peaks && peaks.length !== n) {
    throw new UsageError(`limiter peaks: ${peaks.length} values for ${n} samples`);
  }
  const pad = lookahead - 1;
  // Index i of these arrays is sample i - pad: the history before the track is padded so the
  // average at the first samples also only covers windows that see them.
  const total = n + pad;
  const required = (i: number): number => {
    const k = i - pad;
    if (k < 0 || k >= n) return 1;
    const a = peaks ? peaks[k] : Math.abs(samples[k]);
    return a > ceiling ? ceiling / a : 1;
  };
  // windowMin[i] = min of required over [i, i + lookahead), by a monotonic deque scanning backwards.
  const windowMin = new Float64Array(total);
  const deque = new Int32Array(total + lookahead);
  let head = 0;
  let tail = 0;
  for (let i = total + lookahead - 2; i >= 0; i--) {
    const value = required(i);
    while (tail > head && required(deque[tail - 1]) >= value) tail--;
    deque[tail++] = i;
    while (deque[head] >= i + lookahead) head++;
    if (i < total) windowMin[i] = required(deque[head]);
  }
  const recovery = 1 - Math.exp(-1 / release);
  const held = new Float64Array(total);
  let previous = 1;
  for (let i = 0; i < total; i++) {
    const recovered = previous + (1 - previous) * recovery;
    previous = Math.min(windowMin[i], recovered);
    held[i] = previous;
  }
  const limit = float32AtMost(ceiling);
  const out = new Float32Array(n);
  let sum = 0;
  let minGain = 1;
  for (let i = 0; i < total; i++) {
    sum += held[i];
    if (i >= lookahead) sum -= held[i - lookahead];
    const k = i - pad;
    if (k < 0) continue;
    const gain = Math.min(1, sum / lookahead);
    if (gain < minGain) minGain = gain;
    out[k] = clamp(samples[k] * gain, limit);
  }
  return { samples: out, minGain };
}

/** Scale so the highest absolute sample is `ceiling` (silence is returned unchanged). */
export function normalizePeakTo(samples: Float32Array, ceiling: number): LimiterResult {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
  if (peak === 0) return { samples: samples.slice(), minGain: 1 };
  const gain = ceiling / peak;
  const limit = float32AtMost(ceiling);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = clamp(samples[i] * gain, limit);
  return { samples: out, minGain: gain };
}

/**
 * True-peak-safe mastering: the limiter driven by the 4x oversampled envelope, then, should the
 * smoothly varying gain still leave an inter-sample peak over the ceiling (it moves the
 * interpolated values by a hair), one static trim under it. `mode` 'normalize' scales the whole
 * track so its true peak sits at the ceiling.
 */
export function masterTruePeak(
  samples: Float32Array,
  ceilingDbtp: number,
  mode: 'limiter' | 'normalize',
  options: { lookahead: number; release: number },
): LimiterResult {
  const ceiling = 10 ** (ceilingDbtp / 20);
  let result: LimiterResult;
  if (mode === 'normalize') {
    const peak = truePeakOf(samples);
    const gain = peak === 0 ? 1 : ceiling / peak;
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i] * gain;
    result = { samples: out, minGain: gain };
  } else {
    result = limitPeaks(samples, { ceiling, ...options, peaks: truePeakEnvelope(samples) });
  }
  for (let attempt = 0; attempt < 4; attempt++) {
    const peak = truePeakOf(result.samples);
    if (peak <= ceiling) break;
    // 1e-6 below, so float32 rounding of the scaled samples cannot land back above.
    const trim = (ceiling / peak) * (1 - 1e-6);
    const out = new Float32Array(result.samples.length);
    for (let i = 0; i < out.length; i++) out[i] = result.samples[i] * trim;
    result = { samples: out, minGain: result.minGain * trim };
  }
  return result;
}
