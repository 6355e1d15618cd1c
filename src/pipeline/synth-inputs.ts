/**
 * What `synth` reads: Magenta-style `.npy` embeddings, or mashup recipes (`.json`), rendered to
 * embeddings with the synthesising model encoding any audio sources. Both kinds go into one batch.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadEmbeddings } from '../audio/index.js';
import { CommonsynthError } from '../errors.js';
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
  let keys: Promise<string[]> | undefined;
  return async (sha1) => {
    // `run` keeps loudness-matched encodings under `<model key>-<suffix>` beside the model's
    // plain key: both are this model's. The loader takes an entry only if it is exactly the
    // recipe's embedding (embeddingSha1), so looking in each is safe.
    keys ??= (async () => {
      const key = await modelKey(dir, model.info.name);
      const siblings = existsSync(store.root)
        ? (await readdir(store.root)).filter((name) => name.startsWith(`${key}-`)).sort()
        : [];
      return [...siblings, key];
    })();
    for (const key of await keys) {
      const found = await store.get(sha1, key);
      if (found) return found;
    }
    return undefined;
  };
}

/** An embedding file holding NaN or infinite values: a model would turn them into silence. */
export class NonFiniteEmbeddingError extends CommonsynthError {
  constructor(file: string, index: number, value: number) {
    super(
      'EMBEDDING_NOT_FINITE',
      `${file}: embedding has a non-finite value (${value}) at frame ${index}; it cannot be synthesised`,
      { file },
    );
  }
}

function assertFinite(file: string, embedding: Embedding): Embedding {
  const { data, dims } = embedding;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new NonFiniteEmbeddingError(file, Math.floor(i / dims), data[i]);
  }
  return embedding;
}

export async function loadSynthInput(
  input: string,
  model: SynthInputModel,
  options: SynthInputOptions = {},
): Promise<Embedding | Embedding[]> {
  if (isRecipePath(input)) {
    return (
      await renderRecipeFile(input, { encoder: model, findEmbedding: storeLookup(model, options) })
    ).embedding;
  }
  // Recipes check their sources' values when rendering; a bare .npy is checked here. A batch
  // of several (fastgen.encode's [N, frames, 16]) comes back as one stream per entry.
  const embeddings = (await loadEmbeddings(input)).map((e) => assertFinite(input, e));
  return embeddings.length === 1 ? embeddings[0] : embeddings;
}
