import { type MelScale, melFilterbank } from './mel.js';
import { EvalInputError, type Spectrogram, stftMagnitude } from './spectrum.js';

/**
 * The quality measure of issue 6, defined once here and mirrored exactly by the trainer
 * (train/, documented in docs/training.md); a parity test runs both on the same clips.
 */
export const METRIC_SPEC = {
  sampleRate: 16000,
  /** Multi-resolution STFT: hop = FFT/4, periodic Hann, centred with reflect padding. */
  stftSizes: [2048, 1024, 512, 256, 128] as readonly number[],
  magnitudeFloor: 1e-5,
  /** Log-mel: power mel spectrogram in dB, floored 80 dB below the original's peak. */
  melBands: 80,
  melFft: 1024,
  melHop: 256,
  melFMin: 0,
  melFMax: 8000,
  melScale: 'htk' as MelScale,
  melSlaneyNorm: false,
  melPowerFloor: 1e-10,
  melTopDb: 80,
} as const;

export interface StftDistance {
  /** Spectral convergence ||S - Ŝ||_F / ||S||_F, averaged over the FFT sizes. */
  sc: number;
  /** Mean |ln S - ln Ŝ| over all cells, averaged over the FFT sizes. */
  logMag: number;
  /** sc + logMag. */
  total: number;
}

export interface QualityScores {
  stft: StftDistance;
  /** Mean |dB difference| of the log-mel spectrograms. */
  logMelL1Db: number;
}

function checkPair(original: Float32Array, reconstruction: Float32Array): void {
  if (original.length !== reconstruction.length) {
    throw new EvalInputError(
      `original has ${original.length} samples but reconstruction has ${reconstruction.length}; trim them to the same length first`,
    );
  }
  if (original.length <= METRIC_SPEC.stftSizes[0] / 2) {
    throw new EvalInputError(
      `clip of ${original.length} samples is too short to evaluate (needs more than ${METRIC_SPEC.stftSizes[0] / 2})`,
    );
  }
  for (const [what, x] of [
    ['original', original],
    ['reconstruction', reconstruction],
  ] as const) {
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) {
        throw new EvalInputError(`${what} has a non-finite sample at index ${i}`);
      }
    }
  }
}

function floored(s: Spectrogram, floor: number): Float64Array {
  const out = new Float64Array(s.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(s.data[i], floor);
  return out;
}

/** Spectral convergence and mean absolute log-magnitude difference at one FFT size. */
export function stftDistanceAt(
  original: Float32Array,
  reconstruction: Float32Array,
  nFft: number,
): { sc: number; logMag: number } {
  const hop = nFft / 4;
  const floor = METRIC_SPEC.magnitudeFloor;
  const s = floored(stftMagnitude(original, nFft, hop), floor);
  const r = floored(stftMagnitude(reconstruction, nFft, hop), floor);
  let diff2 = 0;
  let ref2 = 0;
  let logSum = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s[i] - r[i];
    diff2 += d * d;
    ref2 += s[i] * s[i];
    logSum += Math.abs(Math.log(s[i]) - Math.log(r[i]));
  }
  return { sc: Math.sqrt(diff2) / Math.sqrt(ref2), logMag: logSum / s.length };
}

export function multiResolutionStftDistance(
  original: Float32Array,
  reconstruction: Float32Array,
): StftDistance {
  checkPair(original, reconstruction);
  let sc = 0;
  let logMag = 0;
  for (const nFft of METRIC_SPEC.stftSizes) {
    const d = stftDistanceAt(original, reconstruction, nFft);
    sc += d.sc;
    logMag += d.logMag;
  }
  const n = METRIC_SPEC.stftSizes.length;
  return { sc: sc / n, logMag: logMag / n, total: sc / n + logMag / n };
}

let cachedMelFb: Float64Array | undefined;
function melFb(): Float64Array {
  cachedMelFb ??= melFilterbank({
    sampleRate: METRIC_SPEC.sampleRate,
    nFft: METRIC_SPEC.melFft,
    nMels: METRIC_SPEC.melBands,
    fMin: METRIC_SPEC.melFMin,
    fMax: METRIC_SPEC.melFMax,
    scale: METRIC_SPEC.melScale,
    slaneyNorm: METRIC_SPEC.melSlaneyNorm,
  });
  return cachedMelFb;
}

/** Power mel spectrogram in dB (10 log10, power floored at 1e-10): `frames` x `melBands`. */
export function logMelDb(signal: Float32Array): Spectrogram {
  const power = stftMagnitude(signal, METRIC_SPEC.melFft, METRIC_SPEC.melHop, true);
  const fb = melFb();
  const nMels = METRIC_SPEC.melBands;
  const data = new Float64Array(power.frames * nMels);
  for (let f = 0; f < power.frames; f++) {
    const row = f * power.bins;
    for (let m = 0; m < nMels; m++) {
      const fbRow = m * power.bins;
      let acc = 0;
      for (let k = 0; k < power.bins; k++) acc += fb[fbRow + k] * power.data[row + k];
      data[f * nMels + m] = 10 * Math.log10(Math.max(acc, METRIC_SPEC.melPowerFloor));
    }
  }
  return { frames: power.frames, bins: nMels, data };
}

/**
 * Mean |dB difference| of the log-mel spectrograms, both floored at (peak of the original's
 * log-mel − 80 dB), so that differences far below what is audible in the original do not count.
 */
export function logMelL1Db(original: Float32Array, reconstruction: Float32Array): number {
  checkPair(original, reconstruction);
  const a = logMelDb(original).data;
  const b = logMelDb(reconstruction).data;
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < a.length; i++) if (a[i] > peak) peak = a[i];
  const floor = peak - METRIC_SPEC.melTopDb;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(Math.max(a[i], floor) - Math.max(b[i], floor));
  return sum / a.length;
}

/** Both measures for one clip; lower is better, 0 for identical audio. */
export function evaluate(
  original: Float32Array,
  reconstruction: Float32Array,
  sampleRate: number = METRIC_SPEC.sampleRate,
): QualityScores {
  if (sampleRate !== METRIC_SPEC.sampleRate) {
    throw new EvalInputError(
      `the quality measure is defined on ${METRIC_SPEC.sampleRate} Hz audio, got ${sampleRate} Hz; resample first`,
    );
  }
  return {
    stft: multiResolutionStftDistance(original, reconstruction),
    logMelL1Db: logMelL1Db(original, reconstruction),
  };
}
