/**
 * Source loaders for `renderRecipe`. The mashup stage never reads files or runs a model itself:
 * the caller hands in the I/O (audio stage) and the encoder (model stage), and this module only
 * decides which to call for which source, and applies loudness matching before encoding.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Embedding } from '../types.js';
import { RecipeError } from './errors.js';
import { matchSourceLoudness } from './loudness.js';
import type { SourceEmbeddingLoader } from './recipe.js';
import type { Recipe, RecipeSource } from './recipe-types.js';

/** Turns mono audio (at the recipe's sample rate) into embeddings: the model stage's encoder. */
export type EncodeAudio = (samples: Float32Array, sampleRate: number) => Promise<Embedding>;

export interface SourceLoaderIO {
  /** Folder relative source paths are resolved against (usually the recipe file's folder). */
  baseDir?: string;
  /** Reads an `_embeddings.npy` file. */
  loadEmbedding?: (path: string) => Promise<Embedding> | Embedding;
  /** Looks an embedding up by source audio sha1 and model (an embedding store); undefined: absent. */
  findEmbedding?: (
    sha1: string,
    model: Recipe['model'],
  ) => Promise<Embedding | undefined> | Embedding | undefined;
  /** Reads audio as mono at `sampleRate` (decoding and resampling as needed). */
  loadAudio?: (path: string, sampleRate: number) => Promise<Float32Array> | Float32Array;
  encode?: EncodeAudio;
}

function describe(source: RecipeSource, index: number): string {
  return source.path ?? source.sha1 ?? `sources[${index}]`;
}

/**
 * Match loudness (when the recipe asks) and encode: what happens to audio sources before they are
 * mixed. Exported so callers that encode ahead of time do exactly the same.
 */
export async function encodeSourceAudio(
  samples: Float32Array,
  recipe: Pick<Recipe, 'loudness' | 'timing'>,
  encode: EncodeAudio,
): Promise<Embedding> {
  const input = recipe.loudness
    ? matchSourceLoudness(samples, recipe.loudness.targetDbfs, recipe.timing.sampleRate)
    : samples;
  return encode(input, recipe.timing.sampleRate);
}

/** A loader that resolves each source by kind: embeddings by path or sha1, audio by encoding. */
export function recipeSourceLoader(io: SourceLoaderIO): SourceEmbeddingLoader {
  const where = (path: string) =>
    io.baseDir === undefined || isAbsolute(path) ? path : resolve(io.baseDir, path);
  return async (source, index, recipe) => {
    const name = describe(source, index);
    if (source.kind === 'embedding') {
      if (source.sha1 !== undefined && io.findEmbedding) {
        const found = await io.findEmbedding(source.sha1, recipe.model);
        if (found) return found;
      }
      if (source.path !== undefined && io.loadEmbedding)
        return io.loadEmbedding(where(source.path));
      throw new RecipeError(
        `cannot find the embedding of this source (no path to load, or not in the embedding store for model ${recipe.model.name})`,
        { field: `sources[${index}]`, file: name },
      );
    }
    if (source.path === undefined || !io.loadAudio) {
      throw new RecipeError('audio source needs a path and an audio loader', {
        field: `sources[${index}]`,
        file: name,
      });
    }
    if (!io.encode) {
      throw new RecipeError(
        'this source is audio and no model is available to encode it; run `commonsynth encode` first and use the _embeddings.npy',
        { field: `sources[${index}]`, file: name },
      );
    }
    const path = where(source.path);
    // A recipe outlives its sources' folder (moved, renamed, or written relative to another
    // working directory): the embedding store still holds the source's encoding under its sha1.
    // Rendering checks it against the recipe's embeddingSha1, so a stored encoding that is not
    // the one the recipe used (another loudness target, another model) is refused, not mixed in.
    if (!existsSync(path) && source.sha1 !== undefined && io.findEmbedding) {
      const found = await io.findEmbedding(source.sha1, recipe.model);
      if (found) return found;
    }
    const samples = await io.loadAudio(path, recipe.timing.sampleRate);
    return encodeSourceAudio(samples, recipe, io.encode);
  };
}
