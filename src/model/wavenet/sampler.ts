/**
 * Choosing the next sample's class from the logits, as Magenta's fastgen does: softmax, then
 * inverse-CDF sampling with one uniform draw per stream and step. Temperature divides the
 * logits first; argmax takes the most likely class (the first of equals) and draws nothing.
 */
import { UsageError } from '../../errors.js';

export interface SamplingOptions {
  /** Logits are divided by this before the softmax (default 1). Must be > 0. */
  temperature?: number;
  /** Take the most likely class instead of sampling. */
  argmax?: boolean;
}

export function checkSamplingOptions(options: SamplingOptions): void {
  const t = options.temperature ?? 1;
  if (!Number.isFinite(t) || t <= 0) {
    throw new UsageError(`temperature must be a positive number, got ${t}`);
  }
}

/** Index of the largest value in logits[offset, offset+n); the first one on ties. */
export function argmaxClass(logits: Float32Array, offset: number, n: number): number {
  let best = 0;
  let bestValue = logits[offset];
  for (let k = 1; k < n; k++) {
    if (logits[offset + k] > bestValue) {
      bestValue = logits[offset + k];
      best = k;
    }
  }
  return best;
}

/**
 * Inverse-CDF sample from softmax(logits[offset, offset+n) / temperature) with the uniform draw
 * `u` in [0, 1): the first class whose cumulative probability exceeds u. Computed in double
 * precision; classes of zero probability are never chosen.
 */
export function sampleClass(
  logits: Float32Array,
  offset: number,
  n: number,
  temperature: number,
  u: number,
  scratch: Float64Array,
): number {
  let max = -Infinity;
  for (let k = 0; k < n; k++) if (logits[offset + k] > max) max = logits[offset + k];
  let total = 0;
  for (let k = 0; k < n; k++) {
    const p = Math.exp((logits[offset + k] - max) / temperature);
    scratch[k] = p;
    total += p;
  }
  const target = u * total;
  let cumulative = 0;
  let last = 0;
  for (let k = 0; k < n; k++) {
    if (scratch[k] === 0) continue;
    cumulative += scratch[k];
    last = k;
    if (target < cumulative) return k;
  }
  // Only reachable through rounding when u is within an ulp of 1.
  return last;
}
