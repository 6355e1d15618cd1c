import FFT from 'fft.js';
import { EvalInputError, hannWindow } from './spectrum.js';

/**
 * Measures of what a listener hears that the spectral distances hide (issue 10): a decoder that
 * repeats its waveform every latent frame (512 samples) buzzes at 31.25 Hz and its harmonics,
 * and a decoder without a harmonic path loses pitch. Each is defined once here and mirrored
 * exactly by train/metrics.py (numpy float64); docs/models.md ("Measures") has the definitions.
 *
 * Every measure can be "not applicable" (null): a clip too short to measure, a spectrum with no
 * prominent peak, an original with too few voiced frames. Aggregates skip those clips.
 */
export const LISTENING_SPEC = {
  sampleRate: 16000,
  /** Frame periodicity: the >1 kHz band, by a fixed linear-phase FIR (Blackman-windowed sinc). */
  highPassHz: 1000,
  highPassTaps: 511,
  /** Lags of the normalised autocorrelation: one and two latent frames. */
  periodicityLags: [512, 1024] as readonly number[],
  /** Frame-grid peak share: long-term average spectrum (Welch, periodic Hann, 50 % overlap). */
  ltasFft: 16384,
  ltasHop: 8192,
  ltasPowerFloor: 1e-20,
  peakLowHz: 1000,
  peakHighHz: 7000,
  /** A peak is prominent when it stands this far above the median of ±`prominenceBins` bins… */
  prominenceDb: 10,
  prominenceBins: 64,
  /** …and is no more than this far below the loudest bin of the 1–7 kHz band. */
  peakRangeDb: 60,
  /** The latent frame rate: 16000 / 512. */
  gridHz: 31.25,
  /** ±5 % of the grid spacing: a peak at a uniformly random frequency is on the grid with p = 0.10. */
  gridToleranceHz: 1.5625,
  /** Pitch kept: YIN (de Cheveigné & Kawahara 2002) with these settings. */
  yinThreshold: 0.15,
  yinFMin: 70,
  yinFMax: 800,
  yinFrame: 1024,
  yinHop: 256,
  /** Integration window of YIN's difference function: half the frame. */
  yinWindow: 512,
  /** An output frame keeps the pitch when voiced with f0 within this ratio of the original's. */
  pitchTolerance: 0.2,
  /** An original is "voiced" when at least this many of its frames, and this share, are voiced. */
  minVoicedFrames: 16,
  minVoicedShare: 0.2,
} as const;

/** The three measures of one signal (periodicity, grid share) or pair (pitch kept); null = N/A. */
export interface ListeningScores {
  /** Mean normalised autocorrelation of the >1 kHz band at lags 512 and 1024 (≈ 0 for natural sound, 1 for a frame-periodic one). */
  periodicity: number | null;
  /** Share of prominent 1–7 kHz LTAS peaks on multiples of 31.25 Hz (chance 0.10); null without a prominent peak. */
  gridShare: number | null;
  /** Share of the original's voiced frames where the output is voiced within 20 % of its f0; null for an unvoiced original. */
  pitchKept: number | null;
}

let cachedHighPass: Float64Array | undefined;

/**
 * The high-pass FIR: δ[n − M] minus a Blackman-windowed sinc low-pass at 1 kHz normalised to unit
 * DC gain (511 taps, M = 255; about −74 dB in the stop band, transition ≈ 0.9–1.1 kHz). Built
 * from its centre outwards so that it is exactly symmetric (linear phase) in floating point too.
 */
export function highPassKernel(): Float64Array {
  if (cachedHighPass) return cachedHighPass;
  const taps = LISTENING_SPEC.highPassTaps;
  const m = (taps - 1) / 2;
  const fc = LISTENING_SPEC.highPassHz / LISTENING_SPEC.sampleRate;
  const lp = new Float64Array(m + 1);
  for (let n = 0; n <= m; n++) {
    const k = m - n; // window index of the left half
    const w =
      0.42 -
      0.5 * Math.cos((2 * Math.PI * k) / (taps - 1)) +
      0.08 * Math.cos((4 * Math.PI * k) / (taps - 1));
    const sinc = n === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * n) / (Math.PI * n);
    lp[n] = sinc * w;
  }
  let sum = lp[0];
  for (let n = 1; n <= m; n++) sum += 2 * lp[n];
  const h = new Float64Array(taps);
  for (let n = 0; n <= m; n++) {
    h[m + n] = -lp[n] / sum;
    h[m - n] = -lp[n] / sum;
  }
  h[m] += 1;
  cachedHighPass = h;
  return h;
}

/**
 * The >1 kHz band: the FIR applied where it fully overlaps the signal ("valid" convolution,
 * `length − 510` samples), so no edge padding enters the measure.
 */
export function highPassed(signal: ArrayLike<number>): Float64Array {
  const h = highPassKernel();
  const n = signal.length - h.length + 1;
  if (n <= 0) return new Float64Array(0);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < h.length; k++) acc += h[k] * signal[i + k];
    out[i] = acc;
  }
  return out;
}

/**
 * r(L) = Σ y[n]·y[n+L] / sqrt(Σ y[n]² · Σ y[n+L]²) over the overlapping part (n = 0…N−L−1);
 * 0 when either part is silent (nothing repeats).
 */
export function normalisedAutocorrelation(y: ArrayLike<number>, lag: number): number {
  let num = 0;
  let e1 = 0;
  let e2 = 0;
  for (let n = 0; n + lag < y.length; n++) {
    const a = y[n];
    const b = y[n + lag];
    num += a * b;
    e1 += a * a;
    e2 += b * b;
  }
  return e1 > 0 && e2 > 0 ? num / Math.sqrt(e1 * e2) : 0;
}

/** Frame periodicity of one signal; null when its >1 kHz band is shorter than twice the longest lag. */
export function framePeriodicity(signal: ArrayLike<number>): number | null {
  const lags = LISTENING_SPEC.periodicityLags;
  const y = highPassed(signal);
  if (y.length < 2 * lags[lags.length - 1]) return null;
  let sum = 0;
  for (const lag of lags) sum += normalisedAutocorrelation(y, lag);
  return sum / lags.length;
}

/**
 * Long-term average power spectrum in dB: Welch frames of 16384 samples (periodic Hann) every
 * 8192 samples, frames that fit whole (one zero-padded frame for a shorter clip), power averaged,
 * floored at 1e-20, 10·log10. `ltasFft/2 + 1` bins, 0.977 Hz apart at 16 kHz.
 */
export function longTermSpectrumDb(signal: ArrayLike<number>): Float64Array {
  const nFft = LISTENING_SPEC.ltasFft;
  const hop = LISTENING_SPEC.ltasHop;
  const bins = nFft / 2 + 1;
  const frames = signal.length <= nFft ? 1 : 1 + Math.floor((signal.length - nFft) / hop);
  const window = hannWindow(nFft);
  const fft = new FFT(nFft);
  const frame = new Float64Array(nFft);
  const spectrum = fft.createComplexArray() as number[];
  const power = new Float64Array(bins);
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    for (let i = 0; i < nFft; i++) {
      const j = start + i;
      frame[i] = j < signal.length ? signal[j] * window[i] : 0;
    }
    fft.realTransform(spectrum, frame);
    for (let k = 0; k < bins; k++) {
      const re = spectrum[2 * k];
      const im = spectrum[2 * k + 1];
      power[k] += re * re + im * im;
    }
  }
  const db = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    db[k] = 10 * Math.log10(Math.max(power[k] / frames, LISTENING_SPEC.ltasPowerFloor));
  }
  return db;
}

/** The prominent 1–7 kHz peaks of a long-term spectrum (dB), as frequencies in Hz. */
export function prominentPeaks(db: Float64Array): number[] {
  const s = LISTENING_SPEC;
  const binHz = s.sampleRate / s.ltasFft;
  const lo = Math.ceil(s.peakLowHz / binHz);
  const hi = Math.floor(s.peakHighHz / binHz);
  let bandMax = Number.NEGATIVE_INFINITY;
  for (let k = lo; k <= hi; k++) if (db[k] > bandMax) bandMax = db[k];
  const peaks: number[] = [];
  const around = new Float64Array(2 * s.prominenceBins + 1);
  for (let k = lo; k <= hi; k++) {
    const b = db[k];
    if (!(b > db[k - 1] && b > db[k + 1]) || b < bandMax - s.peakRangeDb) continue;
    // The median of the neighbourhood (an order statistic: exactly the same in numpy).
    around.set(db.subarray(k - s.prominenceBins, k + s.prominenceBins + 1));
    around.sort();
    if (b - around[s.prominenceBins] < s.prominenceDb) continue;
    // Parabolic interpolation of the peak's position on the dB values: a strict maximum, so the
    // denominator is negative and the offset within ±0.5 bin.
    const a = db[k - 1];
    const c = db[k + 1];
    const offset = (0.5 * (a - c)) / (a - 2 * b + c);
    peaks.push((k + offset) * binHz);
  }
  return peaks;
}

/** Whether a frequency lies within ±1.5625 Hz of a multiple of 31.25 Hz. */
export function onFrameGrid(hz: number): boolean {
  const g = LISTENING_SPEC.gridHz;
  return Math.abs(hz - g * Math.round(hz / g)) <= LISTENING_SPEC.gridToleranceHz;
}

/** Frame-grid peak share of one signal; null when it has no prominent 1–7 kHz peak. */
export function gridPeakShare(signal: ArrayLike<number>): number | null {
  const peaks = prominentPeaks(longTermSpectrumDb(signal));
  if (peaks.length === 0) return null;
  return peaks.filter(onFrameGrid).length / peaks.length;
}

/** One YIN estimate per frame: f0 in Hz, or 0 for an unvoiced frame. */
export interface PitchTrack {
  f0: Float64Array;
  voiced: number;
}

/**
 * YIN on frames of 1024 samples every 256 (frame t covers samples 256t … 256t+1023, frames that
 * fit whole): difference function d(τ) = Σ_{j<512} (x[j] − x[j+τ])² for τ = 1…229 (70 Hz),
 * cumulative-mean-normalised d'(τ) = τ·d(τ) / Σ_{k≤τ} d(k) (1 where that sum is 0); the first τ
 * from 20 (800 Hz) with d' < 0.15, followed down to its local minimum, parabolically
 * interpolated on d', gives f0 = 16000 / τ. No τ below the threshold: unvoiced.
 */
export function yinPitch(signal: ArrayLike<number>): PitchTrack {
  const s = LISTENING_SPEC;
  const frameLen = s.yinFrame;
  const w = s.yinWindow;
  const tauMin = Math.floor(s.sampleRate / s.yinFMax);
  const tauMax = Math.ceil(s.sampleRate / s.yinFMin);
  const frames =
    signal.length < frameLen ? 0 : 1 + Math.floor((signal.length - frameLen) / s.yinHop);
  const f0 = new Float64Array(frames);
  const d = new Float64Array(tauMax + 1);
  const cmnd = new Float64Array(tauMax + 1);
  let voiced = 0;
  for (let t = 0; t < frames; t++) {
    const start = t * s.yinHop;
    let cum = 0;
    cmnd[0] = 1;
    for (let tau = 1; tau <= tauMax; tau++) {
      let acc = 0;
      for (let j = 0; j < w; j++) {
        const diff = signal[start + j] - signal[start + j + tau];
        acc += diff * diff;
      }
      d[tau] = acc;
      cum += acc;
      cmnd[tau] = cum > 0 ? (acc * tau) / cum : 1;
    }
    let tau = tauMin;
    while (tau <= tauMax && !(cmnd[tau] < s.yinThreshold)) tau++;
    if (tau > tauMax) continue;
    while (tau + 1 <= tauMax && cmnd[tau + 1] < cmnd[tau]) tau++;
    let offset = 0;
    if (tau + 1 <= tauMax) {
      const a = cmnd[tau - 1];
      const b = cmnd[tau];
      const c = cmnd[tau + 1];
      const den = a - 2 * b + c;
      if (den > 0) offset = (a - c) / (2 * den);
    }
    f0[t] = s.sampleRate / (tau + offset);
    voiced++;
  }
  return { f0, voiced };
}

/** Whether an original's pitch track has enough voiced frames for pitch kept to mean anything. */
export function isVoiced(track: PitchTrack): boolean {
  return (
    track.voiced >= LISTENING_SPEC.minVoicedFrames &&
    track.voiced >= LISTENING_SPEC.minVoicedShare * track.f0.length
  );
}

/** Pitch kept of an output's track against the original's (same frames); null if the original is unvoiced. */
export function pitchKeptOf(original: PitchTrack, output: PitchTrack): number | null {
  if (!isVoiced(original)) return null;
  if (output.f0.length !== original.f0.length) {
    throw new EvalInputError(
      `pitch tracks differ in length (${original.f0.length} and ${output.f0.length} frames); trim the signals to the same length first`,
    );
  }
  let kept = 0;
  for (let t = 0; t < original.f0.length; t++) {
    const fo = original.f0[t];
    const fy = output.f0[t];
    if (fo > 0 && fy > 0 && Math.abs(fy - fo) <= LISTENING_SPEC.pitchTolerance * fo) kept++;
  }
  return kept / original.voiced;
}

/** Pitch kept of `output` against `original` (same length). */
export function pitchKept(original: ArrayLike<number>, output: ArrayLike<number>): number | null {
  if (original.length !== output.length) {
    throw new EvalInputError(
      `original has ${original.length} samples but output has ${output.length}; trim them to the same length first`,
    );
  }
  return pitchKeptOf(yinPitch(original), yinPitch(output));
}

/**
 * An original's own measures and pitch track, computed once, to score any number of outputs
 * (the model's and the codec anchors') against it.
 */
export class ListeningReference {
  readonly length: number;
  private readonly track: PitchTrack;
  /** The original measured as if it were an output: its own periodicity and grid share, pitch kept 1. */
  readonly own: ListeningScores;

  constructor(original: ArrayLike<number>) {
    this.length = original.length;
    this.track = yinPitch(original);
    this.own = {
      periodicity: framePeriodicity(original),
      gridShare: gridPeakShare(original),
      pitchKept: isVoiced(this.track) ? 1 : null,
    };
  }

  /** Whether the original has enough voiced frames to score pitch kept. */
  get voiced(): boolean {
    return isVoiced(this.track);
  }

  compare(output: ArrayLike<number>): ListeningScores {
    if (output.length !== this.length) {
      throw new EvalInputError(
        `original has ${this.length} samples but output has ${output.length}; trim them to the same length first`,
      );
    }
    return {
      periodicity: framePeriodicity(output),
      gridShare: gridPeakShare(output),
      pitchKept: this.voiced ? pitchKeptOf(this.track, yinPitch(output)) : null,
    };
  }
}

/** The three measures of `output` against `original` (same length). */
export function listeningScores(
  original: ArrayLike<number>,
  output: ArrayLike<number>,
): ListeningScores {
  return new ListeningReference(original).compare(output);
}

/** Aggregates over clips: periodicity's median, grid share's and pitch kept's means, over the clips where each applies. */
export interface ListeningSummary {
  periodicity: number | null;
  gridShare: number | null;
  /** Clips with at least one prominent peak (those grid share is averaged over). */
  gridClips: number;
  pitchKept: number | null;
  /** Clips whose original is voiced (those pitch kept is averaged over). */
  voicedClips: number;
}

/** Median of the values (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function meanOrNull(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

export function summariseListening(scores: readonly ListeningScores[]): ListeningSummary {
  const present = (pick: (s: ListeningScores) => number | null): number[] =>
    scores.map(pick).filter((v): v is number => v !== null);
  const grid = present((s) => s.gridShare);
  const pitch = present((s) => s.pitchKept);
  return {
    periodicity: median(present((s) => s.periodicity)),
    gridShare: meanOrNull(grid),
    gridClips: grid.length,
    pitchKept: meanOrNull(pitch),
    voicedClips: pitch.length,
  };
}
