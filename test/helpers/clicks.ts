/**
 * Click detection for seam tests and the seam measurement script: energy above 4 kHz in 5 ms
 * frames, compared with the median of its 200 ms neighbourhood. A click is broadband, so it
 * shows up above 4 kHz where the sources themselves (and the model's output) have little energy.
 */

/** RBJ-cookbook high-pass biquad, applied in float64. */
function highPass(samples: Float32Array, rate: number, cutoff: number, q: number): Float64Array {
  const w0 = (2 * Math.PI * cutoff) / rate;
  const alpha = Math.sin(w0) / (2 * q);
  const cos = Math.cos(w0);
  const a0 = 1 + alpha;
  const b0 = (1 + cos) / 2 / a0;
  const b1 = -(1 + cos) / a0;
  const b2 = b0;
  const a1 = (-2 * cos) / a0;
  const a2 = (1 - alpha) / a0;
  const out = new Float64Array(samples.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    out[i] = y;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
  }
  return out;
}

/** 4th-order Butterworth high-pass (two biquads, Q = 0.5412 and 1.3066) at `cutoff` Hz. */
export function butterworthHighPass4(
  samples: Float32Array,
  rate: number,
  cutoff = 4000,
): Float64Array {
  const first = highPass(samples, rate, cutoff, 1 / (2 * Math.cos(Math.PI / 8)));
  return highPass(Float32Array.from(first), rate, cutoff, 1 / (2 * Math.cos((3 * Math.PI) / 8)));
}

export interface HighBandFrames {
  /** Energy above `cutoff` per frame (sum of squares of the high-passed signal). */
  energy: Float64Array;
  frameSamples: number;
}

/** Energy above `cutoff` Hz in consecutive `frameSeconds` frames (default 5 ms, 4 kHz). */
export function highBandFrameEnergy(
  samples: Float32Array,
  rate: number,
  frameSeconds = 0.005,
  cutoff = 4000,
): HighBandFrames {
  const high = butterworthHighPass4(samples, rate, cutoff);
  const frameSamples = Math.round(frameSeconds * rate);
  const count = Math.floor(high.length / frameSamples);
  const energy = new Float64Array(count);
  for (let f = 0; f < count; f++) {
    let sum = 0;
    for (let i = f * frameSamples; i < (f + 1) * frameSamples; i++) sum += high[i] * high[i];
    energy[f] = sum;
  }
  return { energy, frameSamples };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * How far (dB) each 5 ms frame's >4 kHz energy rises above the median of the frames within
 * ±`neighbourhoodSeconds` / 2 around it (200 ms by default).
 */
export function clickExcessDb(
  samples: Float32Array,
  rate: number,
  options: { frameSeconds?: number; neighbourhoodSeconds?: number; cutoff?: number } = {},
): { excessDb: Float64Array; frameSamples: number } {
  const { energy, frameSamples } = highBandFrameEnergy(
    samples,
    rate,
    options.frameSeconds ?? 0.005,
    options.cutoff ?? 4000,
  );
  const half = Math.round(((options.neighbourhoodSeconds ?? 0.2) / 2) * (rate / frameSamples));
  const excessDb = new Float64Array(energy.length);
  const floor = 1e-20;
  for (let f = 0; f < energy.length; f++) {
    const lo = Math.max(0, f - half);
    const hi = Math.min(energy.length, f + half + 1);
    const around = median(Array.from(energy.subarray(lo, hi)));
    excessDb[f] = 10 * Math.log10((energy[f] + floor) / (around + floor));
  }
  return { excessDb, frameSamples };
}

/** The largest click excess (dB) within ±`windowSeconds` of sample position `at`. */
export function clickExcessAt(
  excess: { excessDb: Float64Array; frameSamples: number },
  at: number,
  windowSeconds: number,
  rate: number,
): number {
  const lo = Math.max(0, Math.floor((at - windowSeconds * rate) / excess.frameSamples));
  const hi = Math.min(
    excess.excessDb.length,
    Math.ceil((at + windowSeconds * rate) / excess.frameSamples) + 1,
  );
  let worst = Number.NEGATIVE_INFINITY;
  for (let f = lo; f < hi; f++) worst = Math.max(worst, excess.excessDb[f]);
  return worst;
}
