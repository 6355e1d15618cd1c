import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random.js';
import { float32AtMost, limitPeaks, normalizePeakTo } from '../../src/sequencer/index.js';

/** The limiter written the slow, obvious way: brute-force window minima and averages. */
function naiveLimiter(x: Float32Array, ceiling: number, lookahead: number, release: number) {
  const n = x.length;
  const pad = lookahead - 1;
  const r = (k: number) =>
    k < 0 || k >= n || Math.abs(x[k]) <= ceiling ? 1 : ceiling / Math.abs(x[k]);
  const alpha = 1 - Math.exp(-1 / release);
  const h: number[] = [];
  let prev = 1;
  for (let i = -pad; i < n; i++) {
    let m = 1;
    for (let k = i; k < i + lookahead; k++) m = Math.min(m, r(k));
    prev = Math.min(m, prev + (1 - prev) * alpha);
    h.push(prev);
  }
  const gains: number[] = [];
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let j = k - lookahead + 1; j <= k; j++) sum += h[j + pad];
    gains.push(Math.min(1, sum / lookahead));
  }
  return gains;
}

describe('look-ahead limiter', () => {
  const rng = createRng(31);
  // Quiet noise with a few loud bursts.
  const signal = Float32Array.from({ length: 4000 }, (_, i) => {
    const burst = (i > 1000 && i < 1100) || i === 2500 || (i > 3000 && i < 3600) ? 3 : 0.3;
    return burst * (rng.next() * 2 - 1);
  });
  const ceiling = 10 ** (-1 / 20);

  it('keeps every sample under the ceiling', () => {
    const { samples, minGain } = limitPeaks(signal, { ceiling, lookahead: 64, release: 400 });
    expect(Math.max(...samples.map(Math.abs))).toBeLessThanOrEqual(ceiling);
    expect(minGain).toBeLessThan(0.35);
  });

  it('matches a brute-force reference of the same gain law', () => {
    const { samples } = limitPeaks(signal, { ceiling, lookahead: 64, release: 400 });
    const gains = naiveLimiter(signal, ceiling, 64, 400);
    for (let k = 0; k < signal.length; k++) {
      expect(samples[k]).toBeCloseTo(signal[k] * gains[k], 6);
    }
  });

  it('starts reducing before a peak, moves smoothly, and leaves quiet audio before it alone', () => {
    const { samples } = limitPeaks(signal, { ceiling, lookahead: 64, release: 400 });
    const gain = (k: number) => samples[k] / signal[k];
    // Untouched well before the first burst.
    for (let k = 0; k < 1001 - 64; k++) expect(samples[k]).toBe(signal[k]);
    // Already reduced in the look-ahead window before it.
    expect(gain(1000)).toBeLessThan(0.9);
    // The gain is an average over 64 samples of values in [0, 1]: it moves at most 1/64 a sample.
    const g = naiveLimiter(signal, ceiling, 64, 400);
    for (let k = 1; k < g.length; k++)
      expect(Math.abs(g[k] - g[k - 1])).toBeLessThanOrEqual(1 / 64 + 1e-12);
  });

  it('normalises the peak to the ceiling exactly (float32)', () => {
    const { samples } = normalizePeakTo(signal, ceiling);
    const peak = Math.max(...samples.map(Math.abs));
    expect(peak).toBeLessThanOrEqual(ceiling);
    expect(peak).toBe(float32AtMost(ceiling));
  });

  it('rounds a ceiling down to float32', () => {
    for (const x of [ceiling, 0.5, 0.1, 1 / 3]) {
      const f = float32AtMost(x);
      expect(f).toBeLessThanOrEqual(x);
      expect(Math.fround(f)).toBe(f);
      expect(x - f).toBeLessThan(x * 2 ** -23);
    }
  });
});
