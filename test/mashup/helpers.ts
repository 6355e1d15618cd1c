import { createRng } from '../../src/random.js';
import type { Embedding } from '../../src/types.js';

/**
 * A latent trajectory shaped like an NSynth embedding (16 dims, slowly varying, per-dimension
 * scales differing): a random walk with seeded steps. No model is needed to test mixing.
 */
export function randomWalkEmbedding(frames: number, seed: number, dims = 16): Embedding {
  const rng = createRng(seed);
  const data = new Float32Array(frames * dims);
  const scale = Array.from({ length: dims }, () => rng.uniform(0.2, 3));
  const value = Array.from({ length: dims }, () => rng.gaussian());
  for (let f = 0; f < frames; f++) {
    for (let d = 0; d < dims; d++) {
      value[d] += 0.1 * rng.gaussian();
      data[f * dims + d] = value[d] * scale[d];
    }
  }
  return { frames, dims, data };
}
