/**
 * Recipe validation: a recipe comes from a file someone may have edited by hand, so every field is
 * checked on load and a failure names the file and the field.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../audio/index.js';
import { fileSystemReason } from '../errors.js';
import { RecipeError } from './errors.js';
import { FADE_SHAPES } from './fades.js';
import { FIT_MODES, MIX_MODES } from './latent.js';
import { RECIPE_FORMAT, RECIPE_VERSION, type Recipe, type RecipeSource } from './recipe-types.js';
import { maxMashupFrames } from './timing.js';
import {
  KEYFRAME_EASINGS,
  type ScheduledFade,
  type WeightKeyframe,
  type WeightSpec,
} from './weights.js';

type Json = Record<string, unknown>;

class Checker {
  constructor(readonly file: string | undefined) {}

  fail(field: string, message: string): never {
    throw new RecipeError(message, { file: this.file, field });
  }

  object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field, `must be an object`);
    }
    return value as Json;
  }

  array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, 'must be an array');
    return value;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.length === 0)
      this.fail(field, 'must be a non-empty string');
    return value;
  }

  optionalString(value: unknown, field: string): string | undefined {
    return value === undefined ? undefined : this.string(value, field);
  }

  number(value: unknown, field: string, min = -Infinity, max = Infinity): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, 'must be a number');
    if (value < min || value > max)
      this.fail(field, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  int(value: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(field, `must be an integer, got ${JSON.stringify(value)}`);
    }
    if (value < min || value > max)
      this.fail(field, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      this.fail(field, `must be one of ${options.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  }

  sha1(value: unknown, field: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^[0-9a-f]{40}$/.test(value)) {
      this.fail(field, 'must be 40 lowercase hex digits');
    }
    return value;
  }

  range(value: unknown, field: string): { min: number; max: number } {
    const o = this.object(value, field);
    const min = this.number(o.min, `${field}.min`, 0);
    const max = this.number(o.max, `${field}.max`, min);
    return { min, max };
  }
}

function checkWeights(c: Checker, value: unknown, sources: number): WeightSpec {
  const o = c.object(value, 'weights');
  const type = c.oneOf(o.type, 'weights.type', ['crossfade', 'keyframes'] as const);
  if (type === 'crossfade') {
    const shape = c.oneOf(o.shape, 'weights.shape', FADE_SHAPES);
    const initial = c.int(o.initial, 'weights.initial', 0, sources - 1);
    let current = initial;
    let earliest = 0;
    const fades = c.array(o.fades, 'weights.fades').map((item, i): ScheduledFade => {
      const field = `weights.fades[${i}]`;
      const f = c.object(item, field);
      const start = c.int(f.start, `${field}.start`, earliest);
      const frames = c.int(f.frames, `${field}.frames`, 1);
      const from = c.int(f.from, `${field}.from`, 0, sources - 1);
      const to = c.int(f.to, `${field}.to`, 0, sources - 1);
      if (from !== current) {
        c.fail(`${field}.from`, `must be ${current}, the source playing when the fade starts`);
      }
      if (to === from) c.fail(`${field}.to`, 'must differ from `from`');
      current = to;
      earliest = start + frames;
      return { start, frames, from, to };
    });
    return { type, shape, initial, fades };
  }
  const easing = c.oneOf(o.easing, 'weights.easing', KEYFRAME_EASINGS);
  let previous = -1;
  const keyframes = c.array(o.keyframes, 'weights.keyframes').map((item, i): WeightKeyframe => {
    const field = `weights.keyframes[${i}]`;
    const k = c.object(item, field);
    const frame = c.int(k.frame, `${field}.frame`, previous + 1);
    previous = frame;
    const weights = c.array(k.weights, `${field}.weights`);
    if (weights.length !== sources) c.fail(`${field}.weights`, `must have ${sources} entries`);
    const values = weights.map((w, s) => c.number(w, `${field}.weights[${s}]`, 0));
    if (!values.some((w) => w > 0)) c.fail(`${field}.weights`, 'must have a positive weight');
    return { frame, weights: values };
  });
  if (keyframes.length === 0) c.fail('weights.keyframes', 'must have at least one keyframe');
  return { type, easing, keyframes };
}

function checkSource(c: Checker, value: unknown, i: number): RecipeSource {
  const field = `sources[${i}]`;
  const o = c.object(value, field);
  const source: RecipeSource = {
    kind: c.oneOf(o.kind, `${field}.kind`, ['embedding', 'audio'] as const),
    frames: c.int(o.frames, `${field}.frames`, 1),
    stretch: c.number(o.stretch, `${field}.stretch`, Number.MIN_VALUE),
    offset: c.int(o.offset, `${field}.offset`, 0),
  };
  const path = c.optionalString(o.path, `${field}.path`);
  const sha1 = c.sha1(o.sha1, `${field}.sha1`);
  const embeddingSha1 = c.sha1(o.embeddingSha1, `${field}.embeddingSha1`);
  if (path === undefined && sha1 === undefined && embeddingSha1 === undefined) {
    c.fail(field, 'needs a `path`, a `sha1` or an `embeddingSha1` to find the source by');
  }
  if (path !== undefined) source.path = path;
  if (sha1 !== undefined) source.sha1 = sha1;
  if (embeddingSha1 !== undefined) source.embeddingSha1 = embeddingSha1;
  return source;
}

/**
 * Check that `value` is a valid recipe and return it as a fresh, typed object (unknown fields are
 * dropped). Throws RecipeError naming `file` and the bad field.
 */
export function parseRecipe(value: unknown, file?: string): Recipe {
  const c = new Checker(file);
  const o = c.object(value, 'recipe');
  if (o.format !== RECIPE_FORMAT) {
    c.fail('format', `must be "${RECIPE_FORMAT}" (is this a commonsynth recipe?)`);
  }
  if (o.version !== RECIPE_VERSION) {
    c.fail(
      'version',
      `unsupported recipe version ${JSON.stringify(o.version)}; this commonsynth reads ${RECIPE_VERSION}`,
    );
  }
  const model = c.object(o.model, 'model');
  const timing = c.object(o.timing, 'timing');
  const sources = c.array(o.sources, 'sources').map((s, i) => checkSource(c, s, i));
  if (sources.length === 0) c.fail('sources', 'must list at least one source');
  // Bounded before anything allocates per frame (a recipe with frames: 1e7 once failed untyped).
  const frameTiming = {
    sampleRate: c.int(timing.sampleRate, 'timing.sampleRate', 1),
    hop: c.int(timing.hop, 'timing.hop', 1),
  };
  const frames = c.int(o.frames, 'frames', 1, maxMashupFrames(frameTiming));
  const fit = c.oneOf(o.fit, 'fit', FIT_MODES);
  sources.forEach((s, i) => {
    const available = Math.max(1, Math.round(s.frames * s.stretch));
    if (s.offset >= available) {
      c.fail(`sources[${i}].offset`, `must be below the source's ${available} (stretched) frames`);
    }
    if (fit === 'error' && s.offset + frames > available) {
      c.fail(
        `sources[${i}]`,
        `segment of ${frames} frames from ${s.offset} runs past ${available} frames (fit: error)`,
      );
    }
  });
  const noise = c.object(o.noise, 'noise');
  const recipe: Recipe = {
    format: RECIPE_FORMAT,
    version: RECIPE_VERSION,
    seed: c.int(o.seed, 'seed'),
    model: { name: c.string(model.name, 'model.name') },
    timing: frameTiming,
    dims: c.int(o.dims, 'dims', 1),
    frames,
    fit,
    mix: c.oneOf(o.mix, 'mix', MIX_MODES),
    weights: checkWeights(c, o.weights, sources.length),
    noise: {
      amount: c.number(noise.amount, 'noise.amount', 0),
      seed: c.int(noise.seed, 'noise.seed'),
    },
    loudness:
      o.loudness === null || o.loudness === undefined
        ? null
        : // BS.1770 LUFS (what new runs record) or the older gated-RMS dBFS target.
          c.object(o.loudness, 'loudness').targetLufs !== undefined
          ? {
              targetLufs: c.number(
                c.object(o.loudness, 'loudness').targetLufs,
                'loudness.targetLufs',
                -Infinity,
                0,
              ),
            }
          : {
              targetDbfs: c.number(
                c.object(o.loudness, 'loudness').targetDbfs,
                'loudness.targetDbfs',
                -Infinity,
                0,
              ),
            },
    sources,
  };
  const version = c.optionalString(model.version, 'model.version');
  if (version !== undefined) recipe.model.version = version;
  if (o.drawnFrom !== undefined) {
    const d = c.object(o.drawnFrom, 'drawnFrom');
    recipe.drawnFrom = {
      holdSeconds: c.range(d.holdSeconds, 'drawnFrom.holdSeconds'),
      fadeSeconds: c.range(d.fadeSeconds, 'drawnFrom.fadeSeconds'),
      offsets: c.oneOf(d.offsets, 'drawnFrom.offsets', ['random', 'start', 'explicit'] as const),
    };
  }
  const createdBy = c.optionalString(o.createdBy, 'createdBy');
  if (createdBy !== undefined) recipe.createdBy = createdBy;
  return recipe;
}

/** Read and validate a recipe file. */
export async function loadRecipe(path: string): Promise<Recipe> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new RecipeError(`cannot read recipe: ${fileSystemReason(cause)}`, { file: path, cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RecipeError(`not valid JSON: ${(cause as Error).message}`, { file: path, cause });
  }
  return parseRecipe(value, path);
}

/**
 * Write a recipe as pretty JSON, atomically (validated first, so no invalid or half-written recipe
 * reaches disk).
 */
export async function saveRecipe(path: string, recipe: Recipe): Promise<void> {
  const checked = parseRecipe(recipe, path);
  await writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(checked, null, 2)}\n`));
}
