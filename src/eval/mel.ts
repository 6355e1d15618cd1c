/**
 * Mel filterbanks. Both common conventions are here because the trainer (Python) and this code
 * must use the same one; `MEL_SCALE` in metrics.ts says which the quality measure uses.
 */

export type MelScale = 'htk' | 'slaney';

export function hzToMel(hz: number, scale: MelScale): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  // Slaney: linear below 1 kHz, logarithmic above (librosa's default, htk=False).
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz < minLogHz ? hz / fSp : minLogMel + Math.log(hz / minLogHz) / logStep;
}

export function melToHz(mel: number, scale: MelScale): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel < minLogMel ? mel * fSp : minLogHz * Math.exp(logStep * (mel - minLogMel));
}

export interface MelFilterbankOptions {
  sampleRate: number;
  nFft: number;
  nMels: number;
  fMin: number;
  fMax: number;
  scale: MelScale;
  /** Slaney area normalisation (each triangle scaled by 2 / bandwidth in Hz). */
  slaneyNorm: boolean;
}

/**
 * Triangular filters on the FFT bin frequencies, `nMels` x `nFft/2+1`, row-major.
 * Same construction as torchaudio.functional.melscale_fbanks and librosa.filters.mel:
 * nMels + 2 equally spaced mel points, triangles between neighbours evaluated at each bin.
 */
export function melFilterbank(o: MelFilterbankOptions): Float64Array {
  const bins = o.nFft / 2 + 1;
  const binHz = new Float64Array(bins);
  for (let k = 0; k < bins; k++) binHz[k] = (k * o.sampleRate) / o.nFft;
  const melMin = hzToMel(o.fMin, o.scale);
  const melMax = hzToMel(o.fMax, o.scale);
  const points = new Float64Array(o.nMels + 2);
  for (let i = 0; i < o.nMels + 2; i++) {
    points[i] = melToHz(melMin + ((melMax - melMin) * i) / (o.nMels + 1), o.scale);
  }
  const fb = new Float64Array(o.nMels * bins);
  for (let m = 0; m < o.nMels; m++) {
    const lo = points[m];
    const mid = points[m + 1];
    const hi = points[m + 2];
    const norm = o.slaneyNorm ? 2 / (hi - lo) : 1;
    for (let k = 0; k < bins; k++) {
      const up = (binHz[k] - lo) / (mid - lo);
      const down = (hi - binHz[k]) / (hi - mid);
      fb[m * bins + k] = Math.max(0, Math.min(up, down)) * norm;
    }
  }
  return fb;
}
