import type { WeightMap } from './tensor.js';
import { elementCount } from './tensor.js';
import { type WaveNetConfig, wavenetVariableShapes } from './wavenet-config.js';

/**
 * Mulberry32: a tiny, well-known 32-bit PRNG. Good enough for test weights and fully
 * determined by its seed on every platform.
 */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random weights for every variable of `cfg`, determined by `seed`, for tests and benchmarks.
 * Kernels are uniform in ±1/sqrt(fan-in) (fan-in = taps x input channels), so activations stay
 * of order one through all the layers; biases are uniform in ±0.05. Variables are filled in
 * `wavenetVariableShapes` order from one generator, so the values depend only on cfg and seed.
 */
export function randomWaveNetWeights(cfg: WaveNetConfig, seed: number): WeightMap {
  const random = mulberry32(seed);
  const weights: WeightMap = new Map();
  for (const [name, shape] of wavenetVariableShapes(cfg)) {
    const data = new Float32Array(elementCount(shape));
    // Kernels are [1, k, Cin, Cout]; biases are [Cout].
    const scale = shape.length === 4 ? 1 / Math.sqrt(shape[1] * shape[2]) : 0.05;
    for (let i = 0; i < data.length; i++) data[i] = (2 * random() - 1) * scale;
    weights.set(name, { shape: [...shape], data });
  }
  return weights;
}
