/**
 * Source loaders for `renderRecipe`. The mashup stage never reads files or runs a model itself:
 * the caller hands in the I/O (audio stage) and the encoder (model stage), and this module only
 * decides which to call for which source, and applies loudness matching before encoding.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Embedding } from '../types.js';
import { RecipeError } from './errors.js';
import { matchSourceLoudness, matchSourceLufs } from './loudness.js';
import { embeddingSha1, type SourceEmbeddingLoader } from './recipe.js';
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
  const { loudness } = recipe;
  const input =
    loudness === null
      ? samples
      : 'targetLufs' in loudness
        ? matchSourceLufs(samples, loudness.targetLufs, recipe.timing.sampleRate)
        : matchSourceLoudness(samples, loudness.targetDbfs, recipe.timing.sampleRate);
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
    // The embedding store holds the source's encoding under its sha1 (where `run` put it). It is
    // taken when it provably is the embedding the recipe was made from (its embeddingSha1; without
    // one, only if no loudness matching changed the audio first): that reproduces the recipe even
    // when the file has moved (a recipe outlives its sources' folder) or when this model's encoder
    // would crop a tail that the run's padded. Anything else falls through to the file.
    if (source.sha1 !== undefined && io.findEmbedding) {
      const found = await io.findEmbedding(source.sha1, recipe.model);
      const exact =
        found !== undefined &&
        (source.embeddingSha1 === undefined
          ? recipe.loudness === null
          : embeddingSha1(found) === source.embeddingSha1);
      if (exact) return found;
      if (found !== undefined && !existsSync(path)) {
        throw new RecipeError(
          `${path} is gone and the embedding store's entry for sha1 ${source.sha1} is not the embedding this recipe was made from (another model or loudness target)`,
          { field: `sources[${index}]`, file: name },
        );
      }
    }
    const samples = await io.loadAudio(path, recipe.timing.sampleRate);
    return encodeSourceAudio(samples, recipe, io.encode);
  };
}
