import FFT from 'fft.js';
import { CommonsynthError } from '../errors.js';

/**
 * Short-time spectra for the quality measure, computed in float64 so that the TypeScript and
 * PyTorch implementations agree to ~1e-6 whatever the clip.
 */

/** A magnitude (or power) spectrogram: `frames` x `bins`, row-major (one row per frame). */
export interface Spectrogram {
  frames: number;
  bins: number;
  data: Float64Array;
}

/** Bad audio handed to the quality measure (too short, NaN, mismatched lengths). */
export class EvalInputError extends CommonsynthError {
  constructor(message: string, file?: string) {
    super('EVAL_INPUT', message, { file });
  }
}

/** Periodic Hann window of length n (torch.hann_window's default, periodic=True). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/**
 * Pads `pad` samples each side by reflection without repeating the edge sample
 * (torch's / numpy's "reflect"), as torch.stft(center=True, pad_mode='reflect') does.
 */
export function reflectPad(signal: Float32Array | Float64Array, pad: number): Float64Array {
  const n = signal.length;
  if (pad >= n) {
    throw new EvalInputError(
      `clip of ${n} samples is too short for reflect padding of ${pad} samples`,
    );
  }
  const out = new Float64Array(n + 2 * pad);
  for (let i = 0; i < pad; i++) out[i] = signal[pad - i];
  for (let i = 0; i < n; i++) out[pad + i] = signal[i];
  for (let i = 0; i < pad; i++) out[pad + n + i] = signal[n - 2 - i];
  return out;
}

const fftCache = new Map<number, FFT>();
function fftOf(size: number): FFT {
  let fft = fftCache.get(size);
  if (!fft) {
    fft = new FFT(size);
    fftCache.set(size, fft);
  }
  return fft;
}

/**
 * |STFT| of a real signal: centred frames (reflect padding of nFft/2), periodic Hann window of
 * length nFft, `1 + floor(len / hop)` frames and `nFft/2 + 1` bins — torch.stft's layout
 * (transposed to frames x bins). `power` gives |X|^2 instead of |X|.
 */
export function stftMagnitude(
  signal: Float32Array | Float64Array,
  nFft: number,
  hop: number,
  power = false,
): Spectrogram {
  if (!Number.isInteger(Math.log2(nFft)) || nFft < 4) {
    throw new EvalInputError(`FFT size must be a power of two >= 4, got ${nFft}`);
  }
  const padded = reflectPad(signal, nFft / 2);
  const frames = 1 + Math.floor(signal.length / hop);
  const bins = nFft / 2 + 1;
  const window = hannWindow(nFft);
  const fft = fftOf(nFft);
  const frame = new Float64Array(nFft);
  const spectrum = fft.createComplexArray() as number[];
  const data = new Float64Array(frames * bins);
  for (let f = 0; f < frames; f++) {
    const start = f * hop;
    for (let i = 0; i < nFft; i++) frame[i] = padded[start + i] * window[i];
    fft.realTransform(spectrum, frame);
    const row = f * bins;
    for (let k = 0; k < bins; k++) {
      const re = spectrum[2 * k];
      const im = spectrum[2 * k + 1];
      const p = re * re + im * im;
      data[row + k] = power ? p : Math.sqrt(p);
    }
  }
  return { frames, bins, data };
}
