/**
 * Loudness matching of source audio before it is encoded: sources recorded at very different
 * levels would otherwise dominate (or vanish from) a latent mix, because the encoder's embeddings
 * follow input level. The measure and the gain are the audio stage's (gated RMS, peak ceiling).
 */
import { normalizeLoudness } from '../audio/index.js';

/** Peak ceiling of matched sources, dBFS: the gain is lowered rather than clip. */
export const SOURCE_PEAK_CEILING_DBFS = -1;

/**
 * Scale one source's mono samples to `targetDbfs` gated RMS loudness (the audio stage's
 * `loudnessDb`: 100 ms blocks, silence under −70 dBFS ignored; a full-scale sine reads −3 dBFS),
 * keeping the peak under −1 dBFS. Silence comes back unchanged. Returns a new array.
 */
export function matchSourceLoudness(
  samples: Float32Array,
  targetDbfs: number,
  sampleRate: number,
): Float32Array {
  return normalizeLoudness(samples, targetDbfs, {
    sampleRate,
    ceilingDb: SOURCE_PEAK_CEILING_DBFS,
  });
}
