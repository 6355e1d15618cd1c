import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  integratedLoudness,
  kWeightingFilters,
  loadMono,
  loudnessRange,
  measureLoudness,
  momentaryLoudness,
  normalizeLufs,
  resample,
  shortTermLoudness,
  truePeakDbtp,
} from '../../src/audio/index.js';
import { corpusDir, corpusManifest } from '../helpers/shared.js';

/**
 * The meter against the standards' own test signals (ITU-R BS.1770-4, EBU Tech 3341 and 3342)
 * and against a naive reference written here from the standard's text and its 48 kHz table.
 */

const FS = 48000;

/** A 1 kHz sine: `parts` of [seconds, dBFS peak level], phase continuous. */
function tone(parts: [number, number][], rate = FS, frequency = 1000): Float32Array {
  const total = parts.reduce((n, [s]) => n + Math.round(s * rate), 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const [seconds, db] of parts) {
    const amplitude = 10 ** (db / 20);
    const n = Math.round(seconds * rate);
    for (let i = 0; i < n; i++, at++)
      out[at] = amplitude * Math.sin((2 * Math.PI * frequency * at) / rate);
  }
  return out;
}

const stereo = (x: Float32Array): Float32Array[] => [x, x];

/** BS.1770-4 Table 1 and Table 2: the K-weighting biquads at 48 kHz. */
const TABLE = {
  shelf: {
    b: [1.53512485958697, -2.69169618940638, 1.19839281085285],
    a: [-1.69065929318241, 0.73248077421585],
  },
  highPass: { b: [1, -2, 1], a: [-1.99004745483398, 0.99007225036621] },
};

/** A naive BS.1770-4 meter: the tabulated 48 kHz filters, every block summed on its own. */
function naiveIntegrated(channels: Float32Array[]): number {
  const filtered = channels.map((x) => {
    let y = Array.from(x);
    for (const { b, a } of [TABLE.shelf, TABLE.highPass]) {
      const out = new Array<number>(y.length).fill(0);
      for (let n = 0; n < y.length; n++) {
        out[n] =
          b[0] * y[n] +
          (n >= 1 ? b[1] * y[n - 1] - a[0] * out[n - 1] : 0) +
          (n >= 2 ? b[2] * y[n - 2] - a[1] * out[n - 2] : 0);
      }
      y = out;
    }
    return y;
  });
  const block = 0.4 * FS;
  const step = 0.1 * FS;
  const loudness: number[] = [];
  const powers: number[] = [];
  for (let start = 0; start + block <= filtered[0].length; start += step) {
    let z = 0;
    for (const y of filtered) {
      let sum = 0;
      for (let i = start; i < start + block; i++) sum += y[i] * y[i];
      z += sum / block;
    }
    powers.push(z);
    loudness.push(-0.691 + 10 * Math.log10(z));
  }
  const meanOf = (keep: boolean[]) => {
    let s = 0;
    let c = 0;
    keep.forEach((k, j) => {
      if (k) {
        s += powers[j];
        c++;
      }
    });
    return s / c;
  };
  const absolute = loudness.map((l) => l > -70);
  const gamma = -0.691 + 10 * Math.log10(meanOf(absolute)) - 10;
  return -0.691 + 10 * Math.log10(meanOf(loudness.map((l) => l > -70 && l > gamma)));
}

describe('K-weighting', () => {
  it('reproduces the BS.1770-4 48 kHz coefficients from the analog prototypes', () => {
    const [shelf, highPass] = kWeightingFilters(48000);
    for (const [got, want] of [
      [shelf, TABLE.shelf],
      [highPass, TABLE.highPass],
    ] as const) {
      for (const [i, v] of got.b.entries()) expect(v).toBeCloseTo(want.b[i], 7);
      for (const [i, v] of got.a.entries()) expect(v).toBeCloseTo(want.a[i], 7);
    }
  });
});

describe('integrated loudness', () => {
  it('reads a 1 kHz sine at −20 dBFS on one channel as −23.0 LUFS at 48, 44.1 and 16 kHz', () => {
    for (const rate of [48000, 44100, 16000]) {
      expect(Math.abs(integratedLoudness(tone([[20, -20]], rate), rate) - -23)).toBeLessThan(0.1);
    }
  });

  it('passes EBU Tech 3341 cases 1–5 (stereo 1 kHz tones, gating)', () => {
    const cases: [[number, number][], number][] = [
      [[[20, -23]], -23], // 1
      [[[20, -33]], -33], // 2
      [
        [
          [10, -36],
          [60, -23],
          [10, -36],
        ],
        -23,
      ], // 3: relative gate
      [
        [
          [10, -72],
          [10, -36],
          [60, -23],
          [10, -36],
          [10, -72],
        ],
        -23,
      ], // 4: both gates
      [
        [
          [20.1, -26],
          [20.1, -20],
          [20.1, -26],
        ],
        -23,
      ], // 5
    ];
    for (const [parts, expected] of cases) {
      const x = tone(parts);
      expect(Math.abs(integratedLoudness(stereo(x), FS) - expected)).toBeLessThan(0.1);
    }
  });

  it('passes EBU Tech 3341 case 6 (5.0 channels, surrounds weighted 1.41)', () => {
    const levels = [-28, -28, -24, -30, -30];
    const channels = levels.map((db) => tone([[20, db]]));
    const got = integratedLoudness(channels, FS, { channelWeights: [1, 1, 1, 1.41, 1.41] });
    expect(Math.abs(got - -23)).toBeLessThan(0.1);
  });

  it('matches a naive meter on real audio at 48 kHz, and the 16 kHz meter on the same sound', async () => {
    const rows = corpusManifest()
      .filter((r) => r.theme === 'nature')
      .slice(0, 3);
    for (const row of rows) {
      const audio = await loadMono(join(corpusDir(), row.file), { sampleRate: 16000 });
      const at48 = resample(audio.samples, 16000, FS);
      const naive = naiveIntegrated([at48]);
      expect(Math.abs(integratedLoudness(at48, FS) - naive)).toBeLessThan(0.01);
      // The same band-limited sound metered at 16 kHz: the derived filters agree to 0.1 LU.
      expect(Math.abs(integratedLoudness(audio.samples, 16000) - naive)).toBeLessThan(0.1);
    }
  });

  it('is silent (−Infinity) for silence and for audio under one 400 ms block', () => {
    expect(integratedLoudness(new Float32Array(FS), FS)).toBe(Number.NEGATIVE_INFINITY);
    expect(integratedLoudness(tone([[0.3, -20]]), FS)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('momentary and short-term loudness', () => {
  it('read −23.0 and −33.0 for EBU Tech 3341 cases 1 and 2 throughout', () => {
    for (const level of [-23, -33]) {
      const x = stereo(tone([[20, level]]));
      for (const series of [momentaryLoudness(x, FS), shortTermLoudness(x, FS)]) {
        expect(series.length).toBeGreaterThan(100);
        for (const v of series) expect(Math.abs(v - level)).toBeLessThan(0.1);
      }
    }
  });

  it('passes EBU Tech 3341 case 9: short-term −23.0 over 20 × (1.34 s at −20, 1.66 s at −30 dBFS)', () => {
    const parts: [number, number][] = [];
    for (let i = 0; i < 20; i++) parts.push([1.34, -20], [1.66, -30]);
    const s = shortTermLoudness(stereo(tone(parts)), FS);
    // Every 3 s window holds exactly one period.
    for (const v of s) expect(Math.abs(v - -23)).toBeLessThan(0.1);
  });
});

describe('loudness range (EBU Tech 3342)', () => {
  it('passes cases 1–4 (stereo 1 kHz tone steps)', () => {
    const cases: [[number, number][], number][] = [
      [
        [
          [20, -20],
          [20, -30],
        ],
        10,
      ],
      [
        [
          [20, -20],
          [20, -15],
        ],
        5,
      ],
      [
        [
          [20, -40],
          [20, -20],
        ],
        20,
      ],
      [
        [
          [20, -50],
          [20, -35],
          [20, -20],
          [20, -35],
          [20, -50],
        ],
        15,
      ],
    ];
    for (const [parts, expected] of cases) {
      expect(Math.abs(loudnessRange(stereo(tone(parts)), FS) - expected)).toBeLessThan(0.1);
    }
  });
});

/** A naive true peak: the band-limited signal (long windowed sinc) at 64 points per sample. */
function naiveTruePeak(x: Float32Array, from: number, to: number): number {
  let peak = 0;
  const half = 64;
  for (let i = from; i < to; i++) {
    for (let k = 0; k < 64; k++) {
      const t = i + k / 64;
      let acc = 0;
      for (let j = Math.ceil(t - half); j <= Math.floor(t + half); j++) {
        if (j < 0 || j >= x.length) continue;
        const u = t - j;
        const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
        const w = 0.5 + 0.5 * Math.cos((Math.PI * u) / (half + 1));
        acc += x[j] * sinc * w;
      }
      peak = Math.max(peak, Math.abs(acc));
    }
  }
  return 20 * Math.log10(peak);
}

describe('true peak', () => {
  it('finds the inter-sample peak of sines whose samples miss it (EBU Tech 3341 cases 15–18 style)', () => {
    // Sine at fs/4, 45° phase: every sample sits at 0.707 of the peak, 3 dB under it.
    const cases: { divisor: number; phaseDeg: number }[] = [
      { divisor: 4, phaseDeg: 45 },
      { divisor: 6, phaseDeg: 60 },
      { divisor: 8, phaseDeg: 67.5 },
      { divisor: 4, phaseDeg: 0 },
    ];
    for (const { divisor, phaseDeg } of cases) {
      const amplitude = 0.5; // −6.02 dBFS
      const x = new Float32Array(FS);
      for (let n = 0; n < x.length; n++) {
        x[n] = amplitude * Math.sin((2 * Math.PI * n) / divisor + (phaseDeg * Math.PI) / 180);
      }
      const want = 20 * Math.log10(amplitude);
      expect(Math.abs(truePeakDbtp(x) - want)).toBeLessThan(0.2);
    }
    const x = new Float32Array(FS);
    for (let n = 0; n < x.length; n++) x[n] = 0.5 * Math.sin((Math.PI * n) / 2 + Math.PI / 4);
    let samplePeak = 0;
    for (const v of x) samplePeak = Math.max(samplePeak, Math.abs(v));
    expect(20 * Math.log10(0.5 / samplePeak)).toBeCloseTo(3.01, 1);
  });

  it('agrees with a naive sinc interpolation on real audio within 0.2 dB', async () => {
    const row = corpusManifest().find((r) => r.theme === 'animal')!;
    const audio = (await loadMono(join(corpusDir(), row.file), { sampleRate: 16000 })).samples;
    let at = 0;
    for (let i = 0; i < audio.length; i++) if (Math.abs(audio[i]) > Math.abs(audio[at])) at = i;
    // The peak region, away from the edges, so both see the same band-limited signal.
    const from = Math.max(0, at - 200);
    const to = Math.min(audio.length, at + 200);
    const piece = audio.slice(Math.max(0, from - 2000), Math.min(audio.length, to + 2000));
    const naive = naiveTruePeak(
      piece,
      from - Math.max(0, from - 2000),
      to - Math.max(0, from - 2000),
    );
    const ours = truePeakDbtp(piece);
    expect(Math.abs(ours - naive)).toBeLessThan(0.2);
  });
});

describe('normalizeLufs and measureLoudness', () => {
  it('takes real audio to the target and keeps the true-peak ceiling', async () => {
    const row = corpusManifest().find((r) => r.theme === 'nature')!;
    const audio = (await loadMono(join(corpusDir(), row.file), { sampleRate: 16000 })).samples;
    const matched = normalizeLufs(audio, -23, { sampleRate: 16000 });
    expect(Math.abs(integratedLoudness(matched, 16000) - -23)).toBeLessThan(0.01);
    const loud = normalizeLufs(audio, 0, { sampleRate: 16000, truePeakCeilingDbtp: -1 });
    expect(truePeakDbtp(loud)).toBeLessThanOrEqual(-1 + 1e-6);
    const report = measureLoudness(matched, 16000);
    expect(report.integratedLufs).toBeCloseTo(-23, 2);
    expect(report.maxMomentaryLufs).toBeGreaterThanOrEqual(report.maxShortTermLufs - 1e-9);
    expect(report.truePeakDbtp).toBeCloseTo(truePeakDbtp(matched), 9);
  });
});
