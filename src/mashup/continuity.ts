/**
 * Continuity of a latent path: the Euclidean distance between consecutive frames. A jump in the
 * latent path (a loop wrapping from the last frame to the first, say) decodes to a click, so the
 * mashup keeps every step it creates within the largest step the sources take on their own.
 */
import type { Embedding } from '../types.js';

/** |e[f + 1] − e[f]| for every f, in float64 (frames − 1 values). */
export function latentSteps(embedding: Embedding): Float64Array {
  const { frames, dims, data } = embedding;
  const steps = new Float64Array(Math.max(0, frames - 1));
  for (let f = 0; f + 1 < frames; f++) {
    let sum = 0;
    for (let d = 0; d < dims; d++) {
      const x = data[(f + 1) * dims + d] - data[f * dims + d];
      sum += x * x;
    }
    steps[f] = Math.sqrt(sum);
  }
  return steps;
}

/** The largest frame-to-frame step of a latent path (0 for a single frame). */
export function largestLatentStep(embedding: Embedding): number {
  let worst = 0;
  for (const s of latentSteps(embedding)) worst = Math.max(worst, s);
  return worst;
}
