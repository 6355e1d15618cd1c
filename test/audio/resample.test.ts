import { describe, expect, it } from 'vitest';
import { type RESAMPLE_QUALITIES, resample } from '../../src/audio/index.js';
import { resampleInChunks } from '../../src/audio/resample.js';
import { UsageError } from '../../src/errors.js';

/** In-place iterative radix-2 FFT (Cooley–Tukey); `re` and `im` have a power-of-two length. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const angle = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = start + k;
        const b = a + size / 2;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/** Power spectrum (|X_k|², k = 0..N/2) of `x`, Hann-windowed and zero-padded to `n`. */
function powerSpectrum(x: Float32Array, n: number): Float64Array {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < x.length; i++) {
    re[i] = x[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (x.length - 1)));
  }
  fft(re, im);
  const power = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) power[k] = re[k] * re[k] + im[k] * im[k];
  return power;
}

/** Energy of the spectrum between two frequencies. */
function bandEnergy(power: Float64Array, rate: number, from: number, to: number): number {
  const n = (power.length - 1) * 2;
  let sum = 0;
  for (let k = Math.ceil((from * n) / rate); k <= Math.floor((to * n) / rate); k++) sum += power[k];
  return sum;
}

/** A linear sine sweep from f0 to f1 Hz over `seconds`, with 20 ms fades, sampled at `rate`. */
function sweep(
  rate: number,
  f0: number,
  f1: number,
  seconds: number,
  amplitude = 0.5,
): Float32Array {
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n);
  const fade = 0.02 * rate;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const phase = 2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / (2 * seconds));
    const envelope = Math.min(1, i / fade, (n - 1 - i) / fade);
    x[i] = amplitude * envelope * Math.sin(phase);
  }
  return x;
}

function tone(rate: number, frequency: number, n: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate),
  );
}

const dB = (ratio: number) => 10 * Math.log10(ratio);

describe('the test FFT', () => {
  it('agrees with a naive DFT on a few bins', () => {
    const n = 1024;
    const x = Float32Array.from(
      { length: n },
      (_, i) => Math.sin(i * 0.37) + 0.5 * Math.cos(i * i * 0.001),
    );
    const power = powerSpectrum(x, n);
    for (const k of [0, 1, 17, 60, 255, 512]) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        const w = x[i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
        re += w * Math.cos((2 * Math.PI * k * i) / n);
        im -= w * Math.sin((2 * Math.PI * k * i) / n);
      }
      expect(power[k]).toBeCloseTo(re * re + im * im, 6);
    }
  });
});

describe('resample', () => {
  for (const fromRate of [44100, 48000]) {
    it(`keeps the passband of a sine sweep, ${fromRate} → 16000 Hz (< 0.5 dB loss below 7 kHz)`, () => {
      const seconds = 2;
      const output = resample(sweep(fromRate, 20, 7600, seconds), fromRate, 16000);
      // The ideal result: the same band-limited sweep sampled at 16 kHz directly.
      const reference = sweep(16000, 20, 7600, seconds);
      expect(output.length).toBe(reference.length);
      const n = 65536;
      const got = powerSpectrum(output, n);
      const want = powerSpectrum(reference, n);
      let worst = 0;
      for (let band = 100; band < 7000; band += 100) {
        const ratio = dB(
          bandEnergy(got, 16000, band, band + 100) / bandEnergy(want, 16000, band, band + 100),
        );
        worst = Math.min(worst, ratio);
        expect(Math.abs(ratio), `band ${band}-${band + 100} Hz`).toBeLessThan(0.5);
      }
      expect(worst).toBeGreaterThan(-0.5);
    });

    it(`suppresses aliasing of a sweep above the new Nyquist, ${fromRate} → 16000 Hz (> 60 dB)`, () => {
      const seconds = 2;
      const input = sweep(fromRate, 8400, 0.45 * fromRate, seconds);
      const output = resample(input, fromRate, 16000);
      const n = 65536;
      // Everything left in the output is aliasing; compare its energy with an in-band sweep of
      // the same amplitude and length, which is what unfiltered aliasing would carry.
      const leaked = bandEnergy(powerSpectrum(output, n), 16000, 0, 8000);
      const full = bandEnergy(powerSpectrum(sweep(16000, 100, 7900, seconds), n), 16000, 0, 8000);
      expect(dB(leaked / full)).toBeLessThan(-60);
    });
  }

  it('puts a tone above 8 kHz nowhere near its alias frequency (9 kHz → 7 kHz)', () => {
    const n = 32768;
    const aliasBin = Math.round((7000 * n) / 16000);
    const measure = (quality: (typeof RESAMPLE_QUALITIES)[number]) => {
      const out = resample(tone(48000, 9000, 48000 * 2), 48000, 16000, { quality });
      const inBand = resample(tone(48000, 7000, 48000 * 2), 48000, 16000, { quality: 'best' });
      const p = powerSpectrum(out, n);
      const q = powerSpectrum(inBand, n);
      return dB(bandEnergy(p, 16000, 6950, 7050) / q[aliasBin]);
    };
    expect(measure('best')).toBeLessThan(-60);
    expect(measure('medium')).toBeLessThan(-60);
    // Without an anti-alias filter the alias is right there: the measurement can fail.
    expect(measure('linear')).toBeGreaterThan(-20);
  });

  it('is aligned with its input: a resampled tone matches the tone sampled at the new rate', () => {
    for (const [fromRate, toRate] of [
      [44100, 16000],
      [48000, 16000],
      [8000, 16000],
      [22050, 16000],
      [16000, 44100],
    ]) {
      const seconds = 1;
      const output = resample(tone(fromRate, 1000, fromRate * seconds), fromRate, toRate);
      const reference = tone(toRate, 1000, toRate * seconds);
      let error = 0;
      // Away from the edges, where the signal starts and stops abruptly.
      for (let i = 200; i < reference.length - 200; i++)
        error = Math.max(error, Math.abs(output[i] - reference[i]));
      expect(error, `${fromRate} → ${toRate}`).toBeLessThan(1e-3);
    }
  });

  it('returns exactly round(n × to / from) samples', () => {
    for (const [fromRate, toRate] of [
      [44100, 16000],
      [48000, 16000],
      [11025, 16000],
      [32000, 16000],
      [16000, 48000],
      [44056, 16000],
    ]) {
      for (const n of [0, 1, 2, 3, 440, 441, 442, 10007, 48001]) {
        const out = resample(new Float32Array(n).fill(0.1), fromRate, toRate, {
          quality: 'fastest',
        });
        expect(out.length, `${n} samples ${fromRate} → ${toRate}`).toBe(
          Math.round((n * toRate) / fromRate),
        );
      }
    }
  });

  it('joins the pieces of a long signal seamlessly', () => {
    const input = sweep(44100, 50, 15000, 3);
    // libsamplerate's windowing; the default 'polyphase' works in blocks of its own.
    const whole = resample(input, 44100, 16000, { quality: 'best' });
    const pieces = resampleInChunks(input, 44100, 16000, 'best', 30000);
    expect(pieces.length).toBe(whole.length);
    let difference = 0;
    for (let i = 0; i < whole.length; i++)
      difference = Math.max(difference, Math.abs(whole[i] - pieces[i]));
    expect(difference).toBeLessThan(1e-6);
    // Upsampling goes through the same windowing.
    const up = resample(input, 44100, 48000);
    const upPieces = resampleInChunks(input, 44100, 48000, 'medium', 50000);
    const upWhole = resampleInChunks(input, 44100, 48000, 'medium', 1_008_000);
    expect(up.length).toBe(upPieces.length);
    let upDifference = 0;
    for (let i = 0; i < up.length; i++)
      upDifference = Math.max(upDifference, Math.abs(upWhole[i] - upPieces[i]));
    expect(upDifference).toBeLessThan(1e-6);
  });

  it('copies when the rates are equal and rejects bad rates and qualities', () => {
    const x = new Float32Array([0.1, 0.2]);
    const same = resample(x, 16000, 16000);
    expect([...same]).toEqual([...x]);
    expect(same).not.toBe(x);
    expect(() => resample(x, 0, 16000)).toThrow(UsageError);
    expect(() => resample(x, 44100.5, 16000)).toThrow(/positive integer/);
    expect(() => resample(x, 16000, 16000 * 300)).toThrow(/1:256/);
    expect(() =>
      resample(x, 44100, 16000, { quality: 'superb' as (typeof RESAMPLE_QUALITIES)[number] }),
    ).toThrow(/unknown quality/);
  });
});
