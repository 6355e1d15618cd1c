import { describe, expect, it } from 'vitest';
import {
  loudnessDb,
  normalizeLoudness,
  normalizePeak,
  peakOf,
  toMono,
  trimSilence,
} from '../../src/audio/index.js';
import { UsageError } from '../../src/errors.js';

const sine = (n: number, amplitude: number, rate = 16000, frequency = 440) =>
  Float32Array.from(
    { length: n },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate),
  );

describe('toMono', () => {
  it('averages stereo and 5.1 channels', () => {
    expect([...toMono([new Float32Array([1, 0.5]), new Float32Array([0, -0.5])])]).toEqual([
      0.5, 0,
    ]);
    const six = Array.from({ length: 6 }, (_, c) => new Float32Array([c / 10, 1]));
    const mono = toMono(six);
    expect(mono[0]).toBeCloseTo((0 + 0.1 + 0.2 + 0.3 + 0.4 + 0.5) / 6, 6);
    expect(mono[1]).toBeCloseTo(1, 6);
  });

  it('copies mono and rejects no channels or ragged channels', () => {
    const one = new Float32Array([0.25]);
    const copy = toMono([one]);
    expect(copy).not.toBe(one);
    expect([...copy]).toEqual([0.25]);
    expect(() => toMono([])).toThrow(UsageError);
    expect(() => toMono([new Float32Array(2), new Float32Array(3)])).toThrow(/differ in length/);
  });
});

describe('level tools', () => {
  it('normalizePeak puts the peak at the target and leaves silence and the input alone', () => {
    const input = sine(1600, 0.2);
    const out = normalizePeak(input, -6);
    expect(peakOf(out)).toBeCloseTo(10 ** (-6 / 20), 6);
    expect(peakOf(input)).toBeCloseTo(0.2, 6);
    expect(peakOf(normalizePeak(new Float32Array(10)))).toBe(0);
  });

  it('measures a full-scale sine at −3 dBFS and ignores silence (gated RMS)', () => {
    expect(loudnessDb(sine(16000, 1), 16000)).toBeCloseTo(-3.01, 2);
    const padded = new Float32Array(48000);
    padded.set(sine(16000, 1), 16000);
    expect(loudnessDb(padded, 16000)).toBeCloseTo(-3.01, 1);
    expect(loudnessDb(new Float32Array(100), 16000)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('normalizeLoudness reaches the target unless the peak ceiling stops it', () => {
    const quiet = sine(16000, 0.01);
    expect(loudnessDb(normalizeLoudness(quiet, -20), 16000)).toBeCloseTo(-20, 6);
    // A click train: very high peak-to-RMS ratio, so the −1 dBFS ceiling limits the gain.
    const clicks = new Float32Array(16000);
    for (let i = 0; i < clicks.length; i += 1600) clicks[i] = 0.1;
    const out = normalizeLoudness(clicks, -10);
    expect(peakOf(out)).toBeCloseTo(10 ** (-1 / 20), 6);
    expect(loudnessDb(out, 16000)).toBeLessThan(-10);
  });

  it('trimSilence keeps the sound plus padding', () => {
    const x = new Float32Array(1000);
    x.set(sine(100, 0.5, 16000, 1000), 400);
    const trimmed = trimSilence(x, 1000, -40, { paddingSeconds: 0.01 });
    // Sound from index 401 (sample 400 is sin 0 = 0) to 499, plus 10 samples each side.
    expect(trimmed.length).toBe(499 - 401 + 1 + 20);
    expect(trimmed[10]).toBe(x[401]);
    expect(trimmed[0]).toBe(0);
    expect(trimSilence(new Float32Array(50), 1000).length).toBe(0);
    expect(() => trimSilence(x, 0)).toThrow(UsageError);
  });
});
