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

function checkFinite(x: Float32Array, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new EvalInputError(`${what} has a non-finite sample at index ${i}`);
    }
  }
}

function floored(s: Spectrogram, floor: number): Float64Array {
  const out = new Float64Array(s.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(s.data[i], floor);
  return out;
}

/** Each mel filter's weights and the bin range where they are non-zero (the rest is skipped). */
interface MelRow {
  from: number;
  weights: Float64Array;
}

let cachedMelRows: MelRow[] | undefined;
function melRows(): MelRow[] {
  if (cachedMelRows) return cachedMelRows;
  const bins = METRIC_SPEC.melFft / 2 + 1;
  const fb = melFilterbank({
    sampleRate: METRIC_SPEC.sampleRate,
    nFft: METRIC_SPEC.melFft,
    nMels: METRIC_SPEC.melBands,
    fMin: METRIC_SPEC.melFMin,
    fMax: METRIC_SPEC.melFMax,
    scale: METRIC_SPEC.melScale,
    slaneyNorm: METRIC_SPEC.melSlaneyNorm,
  });
  cachedMelRows = [];
  for (let m = 0; m < METRIC_SPEC.melBands; m++) {
    const row = fb.subarray(m * bins, (m + 1) * bins);
    let from = 0;
    while (from < bins && row[from] === 0) from++;
    let to = bins;
    while (to > from && row[to - 1] === 0) to--;
    cachedMelRows.push({ from, weights: row.slice(from, to) });
  }
  return cachedMelRows;
}

/** Power mel spectrogram in dB (10 log10, power floored at 1e-10): `frames` x `melBands`. */
export function logMelDb(signal: Float32Array): Spectrogram {
  const power = stftMagnitude(signal, METRIC_SPEC.melFft, METRIC_SPEC.melHop, true);
  const rows = melRows();
  const nMels = METRIC_SPEC.melBands;
  const data = new Float64Array(power.frames * nMels);
  for (let f = 0; f < power.frames; f++) {
    const frame = f * power.bins;
    for (let m = 0; m < nMels; m++) {
      const { from, weights } = rows[m];
      let acc = 0;
      for (let k = 0; k < weights.length; k++) acc += weights[k] * power.data[frame + from + k];
      data[f * nMels + m] = 10 * Math.log10(Math.max(acc, METRIC_SPEC.melPowerFloor));
    }
  }
  return { frames: power.frames, bins: nMels, data };
}

interface ReferenceSpectrum {
  nFft: number;
  /** Floored magnitudes, their natural logs, and the squared Frobenius norm. */
  mag: Float64Array;
  log: Float64Array;
  norm2: number;
}

/**
 * An original's spectra, computed once, to score any number of reconstructions against it
 * (the model's and both baselines', in `commonsynth eval`).
 */
export class QualityReference {
  readonly length: number;
  private readonly spectra: ReferenceSpectrum[];
  private readonly mel: Float64Array;
  /** The original's log-mel peak minus 80 dB: both spectrograms are floored here. */
  private readonly melFloor: number;

  constructor(original: Float32Array) {
    if (original.length <= METRIC_SPEC.stftSizes[0] / 2) {
      throw new EvalInputError(
        `clip of ${original.length} samples is too short to evaluate (needs more than ${METRIC_SPEC.stftSizes[0] / 2})`,
      );
    }
    checkFinite(original, 'original');
    this.length = original.length;
    this.spectra = METRIC_SPEC.stftSizes.map((nFft) => {
      const mag = floored(stftMagnitude(original, nFft, nFft / 4), METRIC_SPEC.magnitudeFloor);
      const log = new Float64Array(mag.length);
      let norm2 = 0;
      for (let i = 0; i < mag.length; i++) {
        log[i] = Math.log(mag[i]);
        norm2 += mag[i] * mag[i];
      }
      return { nFft, mag, log, norm2 };
    });
    this.mel = logMelDb(original).data;
    let peak = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.mel.length; i++) if (this.mel[i] > peak) peak = this.mel[i];
    this.melFloor = peak - METRIC_SPEC.melTopDb;
  }

  private check(reconstruction: Float32Array): void {
    if (reconstruction.length !== this.length) {
      throw new EvalInputError(
        `original has ${this.length} samples but reconstruction has ${reconstruction.length}; trim them to the same length first`,
      );
    }
    checkFinite(reconstruction, 'reconstruction');
  }

  /** Spectral convergence and mean |ln S − ln Ŝ| at one of the FFT sizes. */
  stftDistanceAt(reconstruction: Float32Array, nFft: number): { sc: number; logMag: number } {
    this.check(reconstruction);
    const ref = this.spectra.find((r) => r.nFft === nFft);
    if (!ref) throw new EvalInputError(`FFT size ${nFft} is not one of ${METRIC_SPEC.stftSizes}`);
    const floor = METRIC_SPEC.magnitudeFloor;
    const r = stftMagnitude(reconstruction, nFft, nFft / 4).data;
    let diff2 = 0;
    let logSum = 0;
    for (let i = 0; i < r.length; i++) {
      const v = Math.max(r[i], floor);
      const d = ref.mag[i] - v;
      diff2 += d * d;
      logSum += Math.abs(ref.log[i] - Math.log(v));
    }
    return { sc: Math.sqrt(diff2) / Math.sqrt(ref.norm2), logMag: logSum / r.length };
  }

  /** The multi-resolution STFT distance: both terms averaged over the FFT sizes. */
  stftDistance(reconstruction: Float32Array): StftDistance {
    let sc = 0;
    let logMag = 0;
    for (const { nFft } of this.spectra) {
      const d = this.stftDistanceAt(reconstruction, nFft);
      sc += d.sc;
      logMag += d.logMag;
    }
    const n = this.spectra.length;
    return { sc: sc / n, logMag: logMag / n, total: sc / n + logMag / n };
  }

  /** Mean |dB difference| of the log-mel spectrograms, both floored at the original's peak − 80 dB. */
  logMelL1Db(reconstruction: Float32Array): number {
    this.check(reconstruction);
    const a = this.mel;
    const b = logMelDb(reconstruction).data;
    const floor = this.melFloor;
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      sum += Math.abs(Math.max(a[i], floor) - Math.max(b[i], floor));
    }
    return sum / a.length;
  }

  compare(reconstruction: Float32Array): QualityScores {
    return { stft: this.stftDistance(reconstruction), logMelL1Db: this.logMelL1Db(reconstruction) };
  }
}

/** Spectral convergence and mean absolute log-magnitude difference at one FFT size. */
export function stftDistanceAt(
  original: Float32Array,
  reconstruction: Float32Array,
  nFft: number,
): { sc: number; logMag: number } {
  return new QualityReference(original).stftDistanceAt(reconstruction, nFft);
}

export function multiResolutionStftDistance(
  original: Float32Array,
  reconstruction: Float32Array,
): StftDistance {
  return new QualityReference(original).stftDistance(reconstruction);
}

/**
 * Mean |dB difference| of the log-mel spectrograms, both floored at (peak of the original's
 * log-mel − 80 dB), so that differences far below what is audible in the original do not count.
 */
export function logMelL1Db(original: Float32Array, reconstruction: Float32Array): number {
  return new QualityReference(original).logMelL1Db(reconstruction);
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
  return new QualityReference(original).compare(reconstruction);
}
