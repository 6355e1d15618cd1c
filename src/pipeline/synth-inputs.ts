/**
 * What `synth` reads: Magenta-style `.npy` embeddings, or mashup recipes (`.json`), rendered to
 * embeddings with the synthesising model encoding any audio sources. Both kinds go into one batch.
 */
import { loadEmbedding } from '../audio/index.js';
import { renderRecipeFile, type SourceEncoder } from '../mashup/index.js';
import type { Embedding } from '../types.js';

/** True for inputs `loadSynthInput` reads as recipes. */
export function isRecipePath(input: string): boolean {
  return /\.json$/i.test(input);
}

export async function loadSynthInput(input: string, encoder: SourceEncoder): Promise<Embedding> {
  if (isRecipePath(input)) return (await renderRecipeFile(input, { encoder })).embedding;
  return loadEmbedding(input);
}
