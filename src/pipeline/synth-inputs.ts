/**
 * What `synth` reads: Magenta-style `.npy` embeddings, or mashup recipes (`.json`), rendered to
 * embeddings with the synthesising model encoding any audio sources. Both kinds go into one batch.
 */
import { join } from 'node:path';
import { loadEmbedding } from '../audio/index.js';
import { renderRecipeFile, type SourceEncoder } from '../mashup/index.js';
import { commonsynthHome } from '../model/registry.js';
import type { Embedding } from '../types.js';
import { EmbeddingStore, modelKey } from './embedding-store.js';

/** True for inputs `loadSynthInput` reads as recipes. */
export function isRecipePath(input: string): boolean {
  return /\.json$/i.test(input);
}

/** The synthesising model: an encoder, and (for the embedding store's key) its package folder. */
export interface SynthInputModel extends SourceEncoder {
  readonly info: SourceEncoder['info'] & { readonly dir?: string };
}

export interface SynthInputOptions {
  /** Embedding store root (default $COMMONSYNTH_HOME/embeddings, the one `run` writes). */
  storeDir?: string;
}

/**
 * The embedding store lookup for recipes whose audio sources have moved: by the source's sha1,
 * under the synthesising model's key. Undefined when the model's folder is not known.
 */
function storeLookup(
  model: SynthInputModel,
  options: SynthInputOptions,
): ((sha1: string) => Promise<Embedding | undefined>) | undefined {
  const dir = model.info.dir;
  if (dir === undefined) return undefined;
  const store = new EmbeddingStore(options.storeDir ?? join(commonsynthHome(), 'embeddings'));
  let key: Promise<string> | undefined;
  return async (sha1) => {
    key ??= modelKey(dir, model.info.name);
    return store.get(sha1, await key);
  };
}

export async function loadSynthInput(
  input: string,
  model: SynthInputModel,
  options: SynthInputOptions = {},
): Promise<Embedding> {
  if (isRecipePath(input)) {
    return (
      await renderRecipeFile(input, { encoder: model, findEmbedding: storeLookup(model, options) })
    ).embedding;
  }
  return loadEmbedding(input);
}
