import { join } from 'node:path';
import FFT from 'fft.js';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile, resample, toMono } from '../../src/audio/index.js';
import {
  ATTENUATION_DB,
  PASSBAND,
  planResample,
  type ResamplePlan,
  type ResampleStage,
  resampleWithPlan,
} from '../../src/audio/polyphase.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/** Rate pairs the corpus and common media use, down and up, one- and multi-stage. */
const RATE_PAIRS: readonly [number, number][] = [
  [44100, 16000],
  [48000, 16000],
  [22050, 16000],
  [11025, 16000],
  [96000, 16000],
  [32000, 16000],
  [8000, 16000],
  [16000, 44100],
  [44100, 48000],
];

const plan = (from: number, to: number): ResamplePlan => {
  const p = planResample(from, to);
  if (p === undefined) throw new Error(`no plan for ${from} → ${to}`);
  return p;
};

/** A seeded white-noise signal in [−0.5, 0.5): every frequency, passband and stopband alike. */
function noise(n: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  });
}

/** I0 by its series Σ ((x/2)^k / k!)², summed here independently of the implementation. */
function i0(x: number): number {
  let sum = 0;
  let term = 1;
  for (let k = 0; k < 60; k++) {
    if (k > 0) term *= x / 2 / k;
    sum += term * term;
  }
  return sum;
}

/** The low-pass kernel of the specification at u input samples: 2fc/r · sinc · Kaiser window. */
function kernel(
  u: number,
  twiceCutoff: number,
  halfWidth: number,
  beta: number,
  i0Beta: number,
): number {
  if (Math.abs(u) >= halfWidth) return 0;
  const sinc = u === 0 ? twiceCutoff : Math.sin(Math.PI * twiceCutoff * u) / (Math.PI * u);
  const q = u / halfWidth;
  return (sinc * i0(beta * Math.sqrt(1 - q * q))) / i0Beta;
}

/** A signal on the integers: value at i is data[i − first], zero outside. */
interface Signal {
  first: number;
  data: Float64Array;
}

const at = (x: Signal, i: number) =>
  i < x.first || i >= x.first + x.data.length ? 0 : x.data[i - x.first];

/**
 * Direct-form, float64 evaluation of one stage from the formulas of the specification: every
 * output is Σ x[i] h(position − i) over the whole kernel, no phases, no blocks. Half-band stages
 * keep every output the (zero-extended) input reaches, so the cascade stays exact.
 */
function naiveStage(x: Signal, stage: ResampleStage, outputs?: [number, number]): Signal {
  const { fromRate, toRate, halfWidth, beta } = stage;
  // Half-band: cutoff at a quarter of the rate; otherwise midway through the transition band.
  const cutoff =
    stage.kind === 'halfband'
      ? fromRate / 4
      : (((1 + PASSBAND) / 2) * Math.min(fromRate, toRate)) / 2;
  const twiceCutoff = (2 * cutoff) / fromRate;
  // Output j sits at input position j · from / to.
  const [first, last] = outputs ?? [
    Math.floor(((x.first - halfWidth) * toRate) / fromRate),
    Math.ceil(((x.first + x.data.length + halfWidth) * toRate) / fromRate),
  ];
  const data = new Float64Array(last - first);
  const i0Beta = i0(beta);
  for (let j = first; j < last; j++) {
    const position = (j * fromRate) / toRate;
    let sum = 0;
    for (let i = Math.ceil(position - halfWidth); i <= position + halfWidth; i++) {
      sum += at(x, i) * kernel(position - i, twiceCutoff, halfWidth, beta, i0Beta);
    }
    data[j - first] = sum;
  }
  return { first, data };
}

/** Magnitude response of a stage's filter on its own sampling grid (rate × phases). */
function response(stage: ResampleStage): { gain: Float64Array; binHz: number } {
  let taps: Float64Array;
  let scale = 1;
  let rate = stage.fromRate;
  if (stage.kind === 'halfband') {
    const q = stage.oddTaps.length;
    taps = new Float64Array(4 * q - 1);
    taps[2 * q - 1] = 0.5;
    stage.oddTaps.forEach((g, i) => {
      taps[2 * q - 1 + 2 * i + 1] = g;
      taps[2 * q - 1 - 2 * i - 1] = g;
    });
  } else {
    // Phase p, tap k is h at u = p/L + W − 1 − k: interleave the phases on a 1/L grid.
    const { up, halfWidth, phases } = stage;
    const n = 2 * halfWidth;
    taps = new Float64Array(up * n);
    for (let p = 0; p < up; p++) {
      for (let k = 0; k < n; k++) taps[p + up * (n - 1 - k)] = phases[p * n + k];
    }
    scale = 1 / up; // the kernel sums to ~1 per unit-spaced phase, so to ~L on the fine grid
    rate *= up;
  }
  let size = 1 << 16;
  while (size < 4 * taps.length) size *= 2;
  const fft = new FFT(size);
  const input = new Array<number>(size).fill(0);
  taps.forEach((t, i) => {
    input[i] = t;
  });
  const spectrum = fft.createComplexArray() as number[];
  fft.realTransform(spectrum, input);
  const gain = new Float64Array(size / 2 + 1);
  for (let b = 0; b <= size / 2; b++) {
    gain[b] = Math.hypot(spectrum[2 * b], spectrum[2 * b + 1]) * scale;
  }
  return { gain, binHz: rate / size };
}

describe('planResample', () => {
  it('chains stages from the input rate to the output rate, half-bands first', () => {
    for (const [from, to] of RATE_PAIRS) {
      const { stages } = plan(from, to);
      expect(stages[0].fromRate).toBe(from);
      expect(stages.at(-1)?.toRate).toBe(to);
      expect(stages.at(-1)?.kind).toBe('polyphase');
      for (let s = 1; s < stages.length; s++) expect(stages[s].fromRate).toBe(stages[s - 1].toRate);
    }
    // 44.1 kHz → 16 kHz is cheaper through 22.05 kHz; 22.05 kHz and upsampling go straight.
    expect(plan(44100, 16000).stages.map((s) => s.kind)).toEqual(['halfband', 'polyphase']);
    expect(plan(22050, 16000).stages.map((s) => s.kind)).toEqual(['polyphase']);
    expect(plan(16000, 44100).stages.map((s) => s.kind)).toEqual(['polyphase']);
  });

  it(`designs every filter to the specification: ripple ≤ −${ATTENUATION_DB} dB, stopband ≤ −${ATTENUATION_DB} dB (FFT of the taps)`, () => {
    const bound = 10 ** (-ATTENUATION_DB / 20);
    for (const [from, to] of RATE_PAIRS) {
      for (const stage of plan(from, to).stages) {
        // A half-band stage keeps 0 … to/2 and removes what would fold below to/2; the last
        // stage keeps PASSBAND of the lower Nyquist and removes everything from it up.
        const nyquist = Math.min(stage.fromRate, stage.toRate) / 2;
        const [passEdge, stopEdge] =
          stage.kind === 'halfband'
            ? [to / 2, stage.fromRate / 2 - to / 2]
            : [PASSBAND * nyquist, nyquist];
        const { gain, binHz } = response(stage);
        let ripple = 0;
        let stop = 0;
        gain.forEach((g, b) => {
          if (b * binHz <= passEdge) ripple = Math.max(ripple, Math.abs(g - 1));
          if (b * binHz >= stopEdge) stop = Math.max(stop, g);
        });
        const label = `${from} → ${to}, ${stage.kind} at ${stage.fromRate} Hz`;
        expect(ripple, label).toBeLessThan(bound);
        expect(stop, label).toBeLessThan(bound);
        expect(stop, `${label}: the check sees the stopband`).toBeGreaterThan(0);
      }
    }
  });

  it('gives up on ratios that need too many filter phases', () => {
    expect(planResample(44057, 16000)).toBeUndefined();
  });
});

describe('resampleWithPlan', () => {
  it('matches a direct float64 evaluation of the windowed-sinc formula, edges and block joins included', () => {
    for (const [from, to] of RATE_PAIRS) {
      // Long enough that the output spans more than one 8192-sample block.
      const input = noise(Math.ceil((9000 * from) / to), from + to);
      const p = plan(from, to);
      const got = resampleWithPlan(input, p);
      const length = Math.round((input.length * to) / from);
      let x: Signal = { first: 0, data: Float64Array.from(input) };
      p.stages.forEach((stage, s) => {
        x = naiveStage(x, stage, s === p.stages.length - 1 ? [0, length] : undefined);
      });
      expect(got.length).toBe(length);
      expect(length).toBeGreaterThan(8192);
      let error = 0;
      for (let j = 0; j < length; j++) error = Math.max(error, Math.abs(got[j] - x.data[j]));
      // Float32 taps, intermediate and output samples against float64 throughout: the errors of
      // a few float32 roundings (~5e-8 here), where a wrong tap or phase would be ~1e-2.
      expect(error, `${from} → ${to}`).toBeLessThan(2e-7);
    }
  });

  it('returns exactly round(n × to / from) samples, however short the input', () => {
    for (const [from, to] of RATE_PAIRS) {
      for (const n of [0, 1, 2, 3, 440, 441, 442, 10007]) {
        const out = resampleWithPlan(new Float32Array(n).fill(0.1), plan(from, to));
        expect(out.length, `${n} samples ${from} → ${to}`).toBe(Math.round((n * to) / from));
      }
    }
  });
});

describe("resample's default, 'polyphase'", () => {
  it("agrees with libsamplerate 'best' below 6.5 kHz on a real recording (difference < −100 dB)", async () => {
    // The first music recording of the corpus at 44.1 kHz, 8 s of it.
    let samples: Float32Array | undefined;
    for (const entry of corpusManifest().filter((e) => e.theme === 'music')) {
      const decoded = await decodeAudioFile(join(corpusDir(), entry.file));
      if (decoded.sampleRate === 44100) {
        samples = toMono(decoded.channels).subarray(0, 8 * 44100);
        break;
      }
    }
    if (samples === undefined) throw new Error('no 44.1 kHz music in the corpus');
    const ours = resample(samples, 44100, 16000);
    const reference = resample(samples, 44100, 16000, { quality: 'best' });
    expect(ours.length).toBe(reference.length);
    // Both are flat below 7 kHz (ours within 1e-5, 'best' within 1e-7) and differ above, where
    // their transition bands lie: compare the spectra of the difference and of the signal.
    const size = 1 << 17;
    const fft = new FFT(size);
    const bandEnergy = (x: Float32Array) => {
      const input = new Array<number>(size).fill(0);
      for (let i = 0; i < x.length; i++) {
        input[i] = x[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1)));
      }
      const out = fft.createComplexArray() as number[];
      fft.realTransform(out, input);
      let sum = 0;
      for (let b = 1; b * (16000 / size) < 6500; b++) sum += out[2 * b] ** 2 + out[2 * b + 1] ** 2;
      return sum;
    };
    const difference = ours.map((v, i) => v - reference[i]);
    const signal = bandEnergy(reference);
    expect(signal).toBeGreaterThan(0);
    // Ours is −126 dB here; libsamplerate 'fastest' (−14 dB at 7 kHz) would be −64 dB.
    expect(10 * Math.log10(bandEnergy(difference) / signal)).toBeLessThan(-100);
  });

  it("falls back to libsamplerate 'medium' where no plan is made", () => {
    const input = noise(44057, 7);
    const ours = resample(input, 44057, 16000);
    expect([...ours]).toEqual([...resample(input, 44057, 16000, { quality: 'medium' })]);
  });
});
