/**
 * Mashup recipes: every choice of a mashup (sources, segment offsets, time-stretch, weight curve,
 * mixing mode, noise, seed) as plain JSON. `createRecipe` draws the random choices from the seed
 * and writes them down explicitly; `renderRecipe` replays them, without the RNG except for the
 * latent noise (whose own seed is stored), and gives bit-identical embeddings every time.
 */
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { UsageError } from '../errors.js';
import { assertSeed, createRng, deriveSeed } from '../random.js';
import type { Embedding } from '../types.js';
import { VERSION } from '../version.js';
import { RecipeSourceMismatchError } from './errors.js';
import {
  addLatentNoise,
  dimensionSpread,
  extractSegment,
  mixSegments,
  stretchedFrames,
  timeStretchEmbedding,
} from './latent.js';
import {
  RECIPE_FORMAT,
  RECIPE_VERSION,
  type Recipe,
  type RecipeModel,
  type RecipeOptions,
  type RecipeSource,
  type RecipeSourceInput,
} from './recipe-types.js';
import { DEFAULT_TIMING, MAX_MASHUP_SECONDS, maxMashupFrames, secondsToFrames } from './timing.js';
import { parseRecipe } from './validate.js';
import { drawCrossfadeSchedule, type WeightSpec, weightCurve } from './weights.js';

export const DEFAULT_HOLD_SECONDS = { min: 1, max: 3 };
export const DEFAULT_FADE_SECONDS = { min: 0.5, max: 2 };

/** SHA-1 of an embedding's float32 data in little-endian byte order. */
export function embeddingSha1(embedding: Embedding): string {
  const { data } = embedding;
  let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (endianness() === 'BE') {
    const copy = new DataView(new ArrayBuffer(data.byteLength));
    for (let i = 0; i < data.length; i++) copy.setFloat32(i * 4, data[i], true);
    bytes = new Uint8Array(copy.buffer);
  }
  return createHash('sha1').update(bytes).digest('hex');
}

function sourceName(input: { path?: string; sha1?: string }, index: number): string {
  return input.path ?? input.sha1 ?? `source ${index}`;
}

/** Shape and finite-value checks on an embedding, naming the source on failure. */
export function checkSourceEmbedding(embedding: Embedding, name: string): void {
  const { frames, dims, data } = embedding;
  if (!Number.isInteger(frames) || frames < 1 || !Number.isInteger(dims) || dims < 1) {
    throw new RecipeSourceMismatchError(`embedding must have frames >= 1 and dims >= 1`, {
      file: name,
    });
  }
  if (data.length !== frames * dims) {
    throw new RecipeSourceMismatchError(
      `embedding data has ${data.length} values, expected ${frames} x ${dims}`,
      { file: name },
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RecipeSourceMismatchError(`embedding has a non-finite value at index ${i}`, {
        file: name,
      });
    }
  }
}

function checkRange(name: string, range: { min: number; max: number }): void {
  if (!(Number.isFinite(range.min) && Number.isFinite(range.max) && range.min >= 0)) {
    throw new UsageError(`${name} must be finite and >= 0, got ${range.min}..${range.max}`);
  }
  if (range.max < range.min) throw new UsageError(`${name}: max ${range.max} < min ${range.min}`);
}

/**
 * Draw a mashup's random choices from `options.seed` and write them into a recipe. Independent
 * sub-seeds per purpose (offsets, schedule, noise), so changing one option never reshuffles the
 * others' draws.
 */
export function createRecipe(sources: RecipeSourceInput[], options: RecipeOptions): Recipe {
  assertSeed(options.seed);
  if (sources.length === 0) throw new UsageError('a mashup needs at least one source');
  const timing = options.timing ?? DEFAULT_TIMING;
  const dims = sources[0].embedding.dims;
  sources.forEach((source, i) => {
    checkSourceEmbedding(source.embedding, sourceName(source, i));
    if (source.embedding.dims !== dims) {
      throw new RecipeSourceMismatchError(
        `embedding has ${source.embedding.dims} dims but the first source has ${dims}`,
        { file: sourceName(source, i) },
      );
    }
  });

  const stretches = sources.map((_, i) => {
    const s = Array.isArray(options.stretch) ? options.stretch[i] : (options.stretch ?? 1);
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      throw new UsageError(`time-stretch for source ${i} must be a positive number, got ${s}`);
    }
    return s;
  });
  if (Array.isArray(options.stretch) && options.stretch.length !== sources.length) {
    throw new UsageError(
      `got ${options.stretch.length} stretch factors for ${sources.length} sources`,
    );
  }
  const available = sources.map((s, i) => stretchedFrames(s.embedding.frames, stretches[i]));

  const frames =
    options.frames ??
    (options.lengthSeconds === undefined
      ? Math.min(...available)
      : secondsToFrames(options.lengthSeconds, timing));
  if (!Number.isInteger(frames) || frames < 1) {
    throw new UsageError(`mashup length must be at least one frame, got ${frames}`);
  }
  if (frames > maxMashupFrames(timing)) {
    throw new UsageError(
      `mashup length must be at most ${MAX_MASHUP_SECONDS} seconds (${maxMashupFrames(timing)} frames), got ${frames} frames`,
    );
  }
  const fit = options.fit ?? 'pingpong';

  const offsetRng = createRng(deriveSeed(options.seed, 'offsets'));
  const offsetMode = options.offsets ?? 'random';
  if (Array.isArray(offsetMode) && offsetMode.length !== sources.length) {
    throw new UsageError(`got ${offsetMode.length} offsets for ${sources.length} sources`);
  }
  const offsets = available.map((have, i) => {
    if (Array.isArray(offsetMode)) {
      const o = offsetMode[i];
      if (!Number.isInteger(o) || o < 0 || o >= have) {
        throw new UsageError(`offset ${o} for source ${i} is outside its ${have} frames`);
      }
      return o;
    }
    if (offsetMode === 'start' || have <= frames) return 0;
    return offsetRng.int(0, have - frames);
  });
  if (fit === 'error') {
    offsets.forEach((o, i) => {
      if (o + frames > available[i]) {
        throw new UsageError(
          `${sourceName(sources[i], i)} has ${available[i]} frames; ${frames} from frame ${o} do not fit (fit: error)`,
        );
      }
    });
  }

  const hold = options.holdSeconds ?? DEFAULT_HOLD_SECONDS;
  const fade = options.fadeSeconds ?? DEFAULT_FADE_SECONDS;
  checkRange('hold interval', hold);
  checkRange('fade length', fade);
  let weights: WeightSpec;
  if (options.weights) {
    weights = options.weights;
  } else {
    const fadeMin = Math.max(1, secondsToFrames(fade.min, timing));
    weights = drawCrossfadeSchedule(createRng(deriveSeed(options.seed, 'schedule')), {
      frames,
      sources: sources.length,
      holdFrames: {
        min: secondsToFrames(hold.min, timing),
        max: secondsToFrames(hold.max, timing),
      },
      fadeFrames: { min: fadeMin, max: Math.max(fadeMin, secondsToFrames(fade.max, timing)) },
      shape: options.shape ?? 'raised-cosine',
    });
  }

  const noise = options.noise ?? 0;
  if (!Number.isFinite(noise) || noise < 0) {
    throw new UsageError(`noise amount must be a number >= 0, got ${noise}`);
  }
  const loudness: Recipe['loudness'] =
    options.loudnessLufs !== undefined && options.loudnessLufs !== null
      ? { targetLufs: options.loudnessLufs }
      : options.loudnessDbfs === undefined || options.loudnessDbfs === null
        ? null
        : { targetDbfs: options.loudnessDbfs };

  const recipe: Recipe = {
    format: RECIPE_FORMAT,
    version: RECIPE_VERSION,
    seed: options.seed,
    model: { ...options.model },
    timing: { sampleRate: timing.sampleRate, hop: timing.hop },
    dims,
    frames,
    fit,
    mix: options.mix ?? 'linear',
    weights,
    noise: { amount: noise, seed: deriveSeed(options.seed, 'noise') },
    loudness,
    sources: sources.map((source, i) => {
      const entry: RecipeSource = {
        kind: source.kind ?? 'embedding',
        frames: source.embedding.frames,
        stretch: stretches[i],
        offset: offsets[i],
        embeddingSha1: embeddingSha1(source.embedding),
      };
      if (source.path !== undefined) entry.path = source.path;
      if (source.sha1 !== undefined) entry.sha1 = source.sha1;
      return entry;
    }),
    drawnFrom: {
      holdSeconds: { ...hold },
      fadeSeconds: { ...fade },
      offsets: Array.isArray(offsetMode) ? 'explicit' : offsetMode,
    },
    createdBy: `commonsynth ${VERSION}`,
  };
  // Options such as custom keyframes are checked by the same rules as a recipe file.
  return parseRecipe(recipe);
}

export interface RenderOptions {
  /**
   * Check each loaded source against the recipe's `embeddingSha1` (default true). Turn off only to
   * render deliberately with re-encoded sources (then the result is not the recipe's original).
   */
  verify?: boolean;
}

/**
 * The mixed embedding of a recipe, given its sources' embeddings in recipe order. Pure and
 * synchronous: stretch → segment → weight curve → mix → latent noise.
 */
export function renderRecipeWith(
  recipe: Recipe,
  embeddings: Embedding[],
  options: RenderOptions = {},
): Embedding {
  if (embeddings.length !== recipe.sources.length) {
    throw new UsageError(
      `recipe has ${recipe.sources.length} sources, got ${embeddings.length} embeddings`,
    );
  }
  const verify = options.verify ?? true;
  const segments = recipe.sources.map((source, i) => {
    const embedding = embeddings[i];
    const name = sourceName(source, i);
    checkSourceEmbedding(embedding, name);
    if (embedding.dims !== recipe.dims || embedding.frames !== source.frames) {
      throw new RecipeSourceMismatchError(
        `recipe expects ${source.frames} x ${recipe.dims} embedding frames, got ${embedding.frames} x ${embedding.dims}`,
        { file: name },
      );
    }
    if (verify && source.embeddingSha1 !== undefined) {
      const digest = embeddingSha1(embedding);
      if (digest !== source.embeddingSha1) {
        throw new RecipeSourceMismatchError(
          `embedding data differs from the one the recipe was made from (sha1 ${digest}, recipe says ${source.embeddingSha1})`,
          { file: name },
        );
      }
    }
    const stretched =
      source.stretch === 1 ? embedding : timeStretchEmbedding(embedding, source.stretch);
    return extractSegment(stretched, source.offset, recipe.frames, recipe.fit);
  });
  const weights = weightCurve(recipe.weights, recipe.frames, recipe.sources.length);
  const mixed = mixSegments(segments, weights, recipe.mix);
  if (recipe.noise.amount === 0) return mixed;
  return addLatentNoise(
    mixed,
    dimensionSpread(segments),
    recipe.noise.amount,
    createRng(recipe.noise.seed),
  );
}

/** Loads one source's embedding; `renderRecipe` calls it once per source, in order. */
export type SourceEmbeddingLoader = (
  source: RecipeSource,
  index: number,
  recipe: Recipe,
) => Promise<Embedding> | Embedding;

/** Load every source with `loadSourceEmbedding`, then render (see `renderRecipeWith`). */
export async function renderRecipe(
  recipe: Recipe,
  loadSourceEmbedding: SourceEmbeddingLoader,
  options: RenderOptions = {},
): Promise<Embedding> {
  const embeddings: Embedding[] = [];
  for (let i = 0; i < recipe.sources.length; i++) {
    embeddings.push(await loadSourceEmbedding(recipe.sources[i], i, recipe));
  }
  return renderRecipeWith(recipe, embeddings, options);
}

/** Draw a recipe and render it in one step, from embeddings in memory. */
export function mashup(
  sources: RecipeSourceInput[],
  options: RecipeOptions,
): { recipe: Recipe; embedding: Embedding } {
  const recipe = createRecipe(sources, options);
  return {
    recipe,
    embedding: renderRecipeWith(
      recipe,
      sources.map((s) => s.embedding),
    ),
  };
}

/**
 * The original system's step, generalised only as far as asked: cross-fade two embeddings at
 * random intervals drawn from `seed`, from their first frames.
 */
export function crossFade(
  a: Embedding,
  b: Embedding,
  options: Omit<RecipeOptions, 'model'> & { model?: RecipeModel },
): { recipe: Recipe; embedding: Embedding } {
  return mashup([{ embedding: a }, { embedding: b }], {
    offsets: 'start',
    ...options,
    model: options.model ?? { name: 'unknown' },
  });
}
