import { describe, expect, it } from 'vitest';
import { createRng } from '../../random.js';
import { argmaxClass, sampleClass } from './sampler.js';

const scratch = new Float64Array(256);

describe('inverse-CDF sampling', () => {
  const logits = Float32Array.from([Math.log(0.2), Math.log(0.5), Math.log(0.3)]);

  it('picks the first class whose cumulative probability exceeds u', () => {
    expect(sampleClass(logits, 0, 3, 1, 0, scratch)).toBe(0);
    expect(sampleClass(logits, 0, 3, 1, 0.19, scratch)).toBe(0);
    expect(sampleClass(logits, 0, 3, 1, 0.21, scratch)).toBe(1);
    expect(sampleClass(logits, 0, 3, 1, 0.69, scratch)).toBe(1);
    expect(sampleClass(logits, 0, 3, 1, 0.71, scratch)).toBe(2);
    expect(sampleClass(logits, 0, 3, 1, 0.999999, scratch)).toBe(2);
  });

  it('reads the row at an offset and never returns a zero-probability class', () => {
    const row = Float32Array.from([9, 9, -Infinity, 0, -Infinity]);
    expect(sampleClass(row, 2, 3, 1, 0.9999999, scratch)).toBe(1);
    expect(sampleClass(row, 2, 3, 1, 0, scratch)).toBe(1);
  });

  it('follows softmax(logits / T) in frequency', () => {
    const rng = createRng(5);
    for (const temperature of [1, 0.5, 2]) {
      const counts = [0, 0, 0];
      const n = 20000;
      for (let i = 0; i < n; i++)
        counts[sampleClass(logits, 0, 3, temperature, rng.next(), scratch)]++;
      const weights = [0.2, 0.5, 0.3].map((p) => p ** (1 / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      counts.forEach((c, k) => {
        expect(c / n).toBeCloseTo(weights[k] / total, 1);
      });
    }
  });

  it('argmax takes the largest logit, the first of equals', () => {
    expect(argmaxClass(logits, 0, 3)).toBe(1);
    expect(argmaxClass(Float32Array.from([0, 3, 1, 3]), 0, 4)).toBe(1);
    expect(argmaxClass(Float32Array.from([7, 0, 3, 1, 3]), 1, 4)).toBe(1);
  });
});
