/**
 * Loudness matching of source audio before it is encoded: sources recorded at very different
 * levels would otherwise dominate (or vanish from) a latent mix, because the encoder's embeddings
 * follow input level. Two measures: BS.1770 integrated loudness (LUFS, `matchSourceLufs`, what
 * `run` and new recipes use) and the older gated RMS (`matchSourceLoudness`, dBFS — RMS, not
 * LUFS: no K-weighting, no relative gate), kept so recipes that recorded it render as before.
 */
import { normalizeLoudness, normalizeLufs } from '../audio/index.js';

/** Peak ceiling of matched sources, dBFS: the gain is lowered rather than clip. */
export const SOURCE_PEAK_CEILING_DBFS = -1;

/** Sources that `run` encodes are matched to this integrated loudness (EBU R128's target). */
export const SOURCE_LOUDNESS_LUFS = -23;

/**
 * Scale one source's mono samples to `targetLufs` integrated loudness (ITU-R BS.1770-4), keeping
 * the true peak under −1 dBTP (the gain is lowered rather than clip). Silence comes back
 * unchanged. Returns a new array.
 */
export function matchSourceLufs(
  samples: Float32Array,
  targetLufs: number,
  sampleRate: number,
): Float32Array {
  return normalizeLufs(samples, targetLufs, {
    sampleRate,
    truePeakCeilingDbtp: SOURCE_PEAK_CEILING_DBFS,
  });
}

/**
 * RMS, not LUFS. Scale one source's mono samples to `targetDbfs` gated RMS loudness (the audio stage's
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
