import { describe, expect, it } from 'vitest';
import { addNoiseAt, baselineScores, rms, whiteNoise } from './baselines.js';
import { hzToMel, melFilterbank, melToHz } from './mel.js';
import { evaluate, logMelDb, QualityReference, stftDistanceAt } from './metrics.js';
import { EvalInputError, hannWindow, reflectPad, stftMagnitude } from './spectrum.js';

const SR = 16000;

function sine(freq: number, amplitude: number, length: number): Float32Array {
  const x = new Float32Array(length);
  for (let i = 0; i < length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / SR);
  return x;
}

function noise(length: number, seed: number, amplitude = 0.1): Float32Array {
  const n = whiteNoise(length, seed);
  return Float32Array.from(n, (v) => v * amplitude);
}

function scaled(x: Float32Array, gain: number): Float32Array {
  return Float32Array.from(x, (v) => v * gain);
}

/** Independent reference: |DFT| of each centred, reflect-padded, Hann-windowed frame by the O(N^2) sum. */
function naiveStft(x: Float32Array, nFft: number, hop: number): number[][] {
  const pad = nFft / 2;
  const at = (i: number): number => {
    // Reflection about the first / last sample, written out from the definition.
    let j = i - pad;
    if (j < 0) j = -j;
    if (j >= x.length) j = 2 * (x.length - 1) - j;
    return x[j];
  };
  const frames = 1 + Math.floor(x.length / hop);
  // cos/sin of 2πm/N for m = k·n mod N: the plain DFT sum, without recomputing the same angles.
  const cos = Array.from({ length: nFft }, (_, m) => Math.cos((2 * Math.PI * m) / nFft));
  const sin = Array.from({ length: nFft }, (_, m) => Math.sin((2 * Math.PI * m) / nFft));
  const out: number[][] = [];
  for (let f = 0; f < frames; f++) {
    const row: number[] = [];
    const frame = Array.from(
      { length: nFft },
      (_, n) => at(f * hop + n) * Math.sin((Math.PI * n) / nFft) ** 2, // periodic Hann, another form
    );
    for (let k = 0; k <= nFft / 2; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n < nFft; n++) {
        const m = (k * n) % nFft;
        re += frame[n] * cos[m];
        im -= frame[n] * sin[m];
      }
      row.push(Math.hypot(re, im));
    }
    out.push(row);
  }
  return out;
}

describe('spectrum', () => {
  it('periodic Hann window matches sin^2(pi n / N)', () => {
    const w = hannWindow(8);
    for (let n = 0; n < 8; n++) expect(w[n]).toBeCloseTo(Math.sin((Math.PI * n) / 8) ** 2, 14);
  });

  it('reflect padding mirrors without repeating the edge sample', () => {
    expect(Array.from(reflectPad(Float32Array.from([1, 2, 3, 4]), 2))).toEqual([
      3, 2, 1, 2, 3, 4, 3, 2,
    ]);
    expect(() => reflectPad(new Float32Array(3), 3)).toThrow(EvalInputError);
  });

  it.each([128, 256, 1024])('STFT magnitudes match a naive DFT (nFft %i)', (nFft) => {
    const x = new Float32Array(1500);
    const n = noise(1500, 7, 0.3);
    const s = sine(440, 0.5, 1500);
    for (let i = 0; i < x.length; i++) x[i] = n[i] + s[i];
    const fast = stftMagnitude(x, nFft, nFft / 4);
    const naive = naiveStft(x, nFft, nFft / 4);
    expect(fast.frames).toBe(naive.length);
    expect(fast.bins).toBe(nFft / 2 + 1);
    let maxErr = 0;
    let maxVal = 0;
    for (let f = 0; f < fast.frames; f++) {
      for (let k = 0; k < fast.bins; k++) {
        maxErr = Math.max(maxErr, Math.abs(fast.data[f * fast.bins + k] - naive[f][k]));
        maxVal = Math.max(maxVal, naive[f][k]);
      }
    }
    expect(maxErr / maxVal).toBeLessThan(1e-10);
  });

  it('a bin-centred sine has |X| = A N/4 at its bin and A N/8 beside it (periodic Hann)', () => {
    const nFft = 512;
    const bin = 32; // 1000 Hz
    const amplitude = 0.8;
    const x = sine((bin * SR) / nFft, amplitude, 8192);
    const s = stftMagnitude(x, nFft, nFft / 4);
    const f = 10; // an interior frame, away from the padded edges
    const row = (k: number): number => s.data[f * s.bins + k];
    expect(row(bin)).toBeCloseTo((amplitude * nFft) / 4, 3);
    expect(row(bin - 1)).toBeCloseTo((amplitude * nFft) / 8, 3);
    expect(row(bin + 1)).toBeCloseTo((amplitude * nFft) / 8, 3);
    expect(row(bin + 5)).toBeLessThan(1e-3);
  });
});

describe('mel filterbank', () => {
  it('uses the documented mel scales', () => {
    expect(hzToMel(1000, 'htk')).toBeCloseTo(2595 * Math.log10(1 + 1000 / 700), 10);
    expect(hzToMel(700, 'htk')).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(hzToMel(1000, 'slaney')).toBeCloseTo(15, 10);
    expect(hzToMel(500, 'slaney')).toBeCloseTo(7.5, 10);
    for (const scale of ['htk', 'slaney'] as const) {
      for (const hz of [0, 300, 1000, 4321, 8000]) {
        expect(melToHz(hzToMel(hz, scale), scale)).toBeCloseTo(hz, 6);
      }
    }
  });

  it('has triangles that peak at 1 on their centre and tile the band', () => {
    const nFft = 1024;
    const fb = melFilterbank({
      sampleRate: SR,
      nFft,
      nMels: 10,
      fMin: 0,
      fMax: 8000,
      scale: 'htk',
      slaneyNorm: false,
    });
    const bins = nFft / 2 + 1;
    for (let m = 0; m < 10; m++) {
      const row = fb.subarray(m * bins, (m + 1) * bins);
      const peak = Math.max(...row);
      expect(peak).toBeGreaterThan(0.9);
      expect(peak).toBeLessThanOrEqual(1);
    }
    // Between the first and last centres, neighbouring triangles sum to 1 at every bin.
    const centre = (m: number): number =>
      melToHz(((m + 1) * hzToMel(8000, 'htk')) / 11, 'htk') / (SR / nFft);
    for (let k = Math.ceil(centre(0)); k <= Math.floor(centre(9)); k++) {
      let sum = 0;
      for (let m = 0; m < 10; m++) sum += fb[m * bins + k];
      expect(sum).toBeCloseTo(1, 10);
    }
  });
});

describe('evaluate', () => {
  const length = SR; // one second
  const tone = sine(440, 0.5, length);
  const hiss = noise(length, 42);

  it('is 0 for identical audio', () => {
    for (const x of [tone, hiss]) {
      const q = evaluate(x, Float32Array.from(x));
      expect(q.stft.sc).toBe(0);
      expect(q.stft.logMag).toBe(0);
      expect(q.stft.total).toBe(0);
      expect(q.logMelL1Db).toBe(0);
    }
  });

  it('reproduces hand-computed values for a gain change of white noise', () => {
    // Every STFT cell of white noise at 0.1 is far above the 1e-5 floor and every mel cell is
    // within 80 dB of the peak, so halving the amplitude gives exactly:
    // SC = 1 - 1/2, mean |ln S - ln S/2| = ln 2, log-mel difference = 10 log10(4) dB.
    const q = evaluate(hiss, scaled(hiss, 0.5));
    expect(q.stft.sc).toBeCloseTo(0.5, 6);
    expect(q.stft.logMag).toBeCloseTo(Math.LN2, 6);
    expect(q.stft.total).toBeCloseTo(0.5 + Math.LN2, 6);
    expect(q.logMelL1Db).toBeCloseTo(10 * Math.log10(4), 6);
  });

  it('reproduces hand-computed values on a sine', () => {
    // SC is linear in the magnitudes: scaling a sine by 0.25 gives SC = 0.75 whatever its
    // spectrum looks like (the floored cells are equal on both sides and negligible in the norm).
    const quarter = evaluate(tone, scaled(tone, 0.25));
    expect(quarter.stft.sc).toBeCloseTo(0.75, 6);
    // Against silence, every cell of the reconstruction is the floor: SC = ||S - e|| / ||S|| ≈ 1
    // and the log-magnitude term is the mean of ln(S / 1e-5) over the cells above the floor.
    const silent = evaluate(tone, new Float32Array(length));
    expect(silent.stft.sc).toBeCloseTo(1, 6);
    const s2048 = naiveStft(tone, 2048, 512);
    let logSum = 0;
    let cells = 0;
    for (const row of s2048) {
      for (const v of row) {
        logSum += Math.log(Math.max(v, 1e-5) / 1e-5);
        cells++;
      }
    }
    expect(stftDistanceAt(tone, new Float32Array(length), 2048).logMag).toBeCloseTo(
      logSum / cells,
      8,
    );
    // Log-mel against silence: every silent cell sits at the floor (peak - 80 dB), so the
    // distance is the mean height of the original's cells above that floor.
    const mel = logMelDb(tone).data;
    const peak = Math.max(...mel);
    let melExpected = 0;
    for (const v of mel) melExpected += Math.max(v, peak - 80) - (peak - 80);
    expect(silent.logMelL1Db).toBeCloseTo(melExpected / mel.length, 8);
  });

  it('a quiet damage scores better than a loud one, and both beat silence', () => {
    const slight = evaluate(hiss, addNoiseAt(hiss, -30, 1));
    const heavy = evaluate(hiss, addNoiseAt(hiss, -10, 1));
    expect(slight.stft.total).toBeLessThan(heavy.stft.total);
    expect(slight.logMelL1Db).toBeLessThan(heavy.logMelL1Db);
  });

  it('puts the baselines in the right order: silence worse than noise at -20 dB', () => {
    // A recording always has a noise floor; a pure synthetic tone does not, and there silence
    // can beat the noise baseline on ln|S| because the 1e-5 floor hides its empty cells.
    const toneInRoom = addNoiseAt(tone, -40, 3);
    for (const x of [toneInRoom, hiss]) {
      const b = baselineScores(x);
      expect(b.silence.stft.total).toBeGreaterThan(b.noise.stft.total);
      expect(b.silence.logMelL1Db).toBeGreaterThan(b.noise.logMelL1Db);
      expect(b.noise.stft.total).toBeGreaterThan(0);
    }
  });

  it('adds noise at exactly the requested level, the same for the same seed', () => {
    const a = addNoiseAt(tone, -20, 5);
    const b = addNoiseAt(tone, -20, 5);
    const c = addNoiseAt(tone, -20, 6);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const added = Float64Array.from(a, (v, i) => v - tone[i]);
    expect(20 * Math.log10(rms(added) / rms(tone))).toBeCloseTo(-20, 4);
  });

  it('scores many reconstructions against one reference exactly as evaluate does', () => {
    const reference = new QualityReference(hiss);
    for (const reconstruction of [scaled(hiss, 0.3), addNoiseAt(hiss, -10, 2), tone]) {
      expect(reference.compare(reconstruction)).toEqual(evaluate(hiss, reconstruction));
    }
  });

  it('rejects mismatched, too short, non-finite or wrongly sampled input', () => {
    expect(() => evaluate(tone, tone.subarray(1))).toThrow(EvalInputError);
    expect(() => evaluate(tone.subarray(0, 500), tone.subarray(0, 500))).toThrow(/too short/);
    const bad = Float32Array.from(tone);
    bad[9] = Number.NaN;
    expect(() => evaluate(tone, bad)).toThrow(/non-finite sample at index 9/);
    expect(() => evaluate(tone, tone, 44100)).toThrow(/16000 Hz/);
  });
});
