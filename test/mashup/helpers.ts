import { vi } from 'vitest';
import { main } from '../../src/cli/program.js';
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

/** Run the CLI in-process, capturing stdout and stderr. */
export async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { code: await main(['node', 'commonsynth', ...args]), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
