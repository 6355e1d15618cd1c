/**
 * Plain data that flows between stages. Stages exchange these, never each other's internals.
 */

/** Mono audio at a known rate. */
export interface MonoAudio {
  sampleRate: number;
  samples: Float32Array;
}

/** The embeddings of one clip: `frames` x `dims` (16 for NSynth), row-major. */
export interface Embedding {
  frames: number;
  dims: number;
  data: Float32Array;
}
