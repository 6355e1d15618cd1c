/** The generation job shared by the resume tests and their child process. */
import { randomEmbedding, smallModel } from './reference.js';

export const resumeJob = {
  model: smallModel(21),
  // Unequal lengths (the batch shrinks), chunking on for the long one.
  embeddings: [randomEmbedding(14, 1), randomEmbedding(5, 2)],
  options: { seed: 77, temperature: 0.9, chunkSeconds: (6 * 64) / 16000 },
};
