/**
 * Mashups of files: `_embeddings.npy` sources (or audio, given an encoder), a recipe file and the
 * mixed embeddings beside it; and rendering a recipe file back to embeddings. What the `mashup`
 * command and `synth` on recipes need, for library users too.
 */
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { embeddingFileName, loadEmbedding, loadMono, saveEmbedding } from '../audio/index.js';
import { sha1OfFile } from '../hash.js';
import type { Embedding, MonoAudio } from '../types.js';
import { RecipeError } from './errors.js';
import { type EncodeAudio, encodeSourceAudio, recipeSourceLoader } from './loaders.js';
import { createRecipe, type RenderOptions, renderRecipe, renderRecipeWith } from './recipe.js';
import type { Recipe, RecipeOptions, RecipeSourceInput } from './recipe-types.js';
import { DEFAULT_TIMING } from './timing.js';
import { loadRecipe, saveRecipe } from './validate.js';

/** An open model that can encode audio (the model stage's Autoencoder fits). */
export interface SourceEncoder {
  readonly info: { name: string; sampleRate: number; hop: number };
  encode(audio: MonoAudio): Promise<Embedding>;
}

/** True for paths mashups read as embeddings (`.npy`); anything else is audio. */
export function isEmbeddingPath(path: string): boolean {
  return extname(path).toLowerCase() === '.npy';
}

/** Where the mixed embeddings of a recipe go: `mix.json` → `mix_embeddings.npy` beside it. */
export function recipeEmbeddingPath(recipePath: string): string {
  return join(dirname(recipePath), embeddingFileName(recipePath));
}

function portable(path: string, recipeDir: string): string {
  return relative(recipeDir, resolve(path)).split(sep).join('/');
}

export interface MashupFilesOptions extends Omit<RecipeOptions, 'model'> {
  /** The recipe file to write; the mixed embeddings go beside it. */
  out: string;
  /** Model name recorded in the recipe (default: the encoder's, else "unknown"). */
  modelName?: string;
  /** Opens a model for audio sources; called only when there is one. Absent: audio is refused. */
  openEncoder?: () => Promise<SourceEncoder>;
}

export interface MashupFilesResult {
  recipe: Recipe;
  embedding: Embedding;
  recipePath: string;
  embeddingPath: string;
}

/**
 * Mash up files: load `.npy` embeddings (and encode audio files, loudness-matched first, if an
 * encoder is given), draw a recipe, render it, and write the recipe (source paths relative to
 * it) and `<recipe>_embeddings.npy`.
 */
export async function mashupFiles(
  inputs: readonly string[],
  options: MashupFilesOptions,
): Promise<MashupFilesResult> {
  const recipeDir = dirname(resolve(options.out));
  const audioInputs = inputs.filter((p) => !isEmbeddingPath(p));
  let encoder: SourceEncoder | undefined;
  if (audioInputs.length > 0) {
    if (!options.openEncoder) {
      throw new RecipeError(
        'this source is audio and no model is available to encode it; run `commonsynth encode` first and pass the _embeddings.npy',
        { file: audioInputs[0] },
      );
    }
    encoder = await options.openEncoder();
  }
  // Frames follow the encoder's hop; `.npy` sources alone cannot say theirs (default 16 kHz / 512).
  const timing = encoder
    ? { sampleRate: encoder.info.sampleRate, hop: encoder.info.hop }
    : (options.timing ?? DEFAULT_TIMING);
  const loudness =
    options.loudnessDbfs === undefined || options.loudnessDbfs === null
      ? null
      : { targetDbfs: options.loudnessDbfs };
  const sources: RecipeSourceInput[] = [];
  for (const input of inputs) {
    if (isEmbeddingPath(input)) {
      sources.push({ embedding: await loadEmbedding(input), path: portable(input, recipeDir) });
    } else {
      const active = encoder!;
      const encode: EncodeAudio = (samples, sampleRate) => active.encode({ samples, sampleRate });
      const { samples } = await loadMono(input, { sampleRate: timing.sampleRate });
      sources.push({
        kind: 'audio',
        embedding: await encodeSourceAudio(samples, { loudness, timing }, encode),
        path: portable(input, recipeDir),
        sha1: await sha1OfFile(input),
      });
    }
  }
  const recipe = createRecipe(sources, {
    ...options,
    timing,
    model: { name: options.modelName ?? encoder?.info.name ?? 'unknown' },
  });
  const embedding = renderRecipeWith(
    recipe,
    sources.map((s) => s.embedding),
  );
  const embeddingPath = recipeEmbeddingPath(options.out);
  await saveRecipe(options.out, recipe);
  await saveEmbedding(embeddingPath, embedding);
  return { recipe, embedding, recipePath: options.out, embeddingPath };
}

export interface RenderRecipeFileOptions extends RenderOptions {
  /** Needed only when the recipe has audio sources. */
  encoder?: SourceEncoder;
  /** Looks an embedding up by source sha1 and model first (an embedding store). */
  findEmbedding?: (sha1: string, model: Recipe['model']) => Promise<Embedding | undefined>;
}

/**
 * Render a recipe file: sources resolved relative to the recipe's folder, `.npy` files loaded,
 * audio sources decoded and encoded (loudness-matched as the recipe says).
 */
export async function renderRecipeFile(
  recipePath: string,
  options: RenderRecipeFileOptions = {},
): Promise<{ recipe: Recipe; embedding: Embedding }> {
  const recipe = await loadRecipe(recipePath);
  const { encoder } = options;
  const loader = recipeSourceLoader({
    baseDir: dirname(resolve(recipePath)),
    loadEmbedding,
    findEmbedding: options.findEmbedding,
    loadAudio: async (path, sampleRate) => (await loadMono(path, { sampleRate })).samples,
    encode: encoder ? (samples, sampleRate) => encoder.encode({ samples, sampleRate }) : undefined,
  });
  const embedding = await renderRecipe(recipe, loader, options);
  return { recipe, embedding };
}

/** Resolve a recipe source's path as `renderRecipeFile` does. */
export function resolveSourcePath(recipePath: string, sourcePath: string): string {
  return isAbsolute(sourcePath) ? sourcePath : resolve(dirname(resolve(recipePath)), sourcePath);
}
