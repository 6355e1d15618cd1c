import { createRng } from '../random.js';
import type { WeightMap } from './tensor.js';
import { elementCount } from './tensor.js';
import { type WaveNetConfig, wavenetVariableShapes } from './wavenet-config.js';

/**
 * Random weights for every variable of `cfg`, determined by `seed`, for tests and benchmarks.
 * Kernels are uniform in ±1/sqrt(fan-in) (fan-in = taps x input channels), so activations stay
 * of order one through all the layers; biases are uniform in ±0.05. Variables are filled in
 * `wavenetVariableShapes` order from commonsynth's seeded generator (src/random.ts), so the values depend only on cfg and seed.
 */
export function randomWaveNetWeights(cfg: WaveNetConfig, seed: number): WeightMap {
  const rng = createRng(seed);
  const weights: WeightMap = new Map();
  for (const [name, shape] of wavenetVariableShapes(cfg)) {
    const data = new Float32Array(elementCount(shape));
    // Kernels are [1, k, Cin, Cout]; biases are [Cout].
    const scale = shape.length === 4 ? 1 / Math.sqrt(shape[1] * shape[2]) : 0.05;
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-scale, scale);
    weights.set(name, { shape: [...shape], data });
  }
  return weights;
}
