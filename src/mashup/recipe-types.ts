/** The recipe format: plain JSON types, shared by creation, validation and rendering. */
import type { Embedding } from '../types.js';
import type { FadeShape } from './fades.js';
import type { FitMode, MixMode } from './latent.js';
import type { FrameTiming } from './timing.js';
import type { KeyframeWeights, WeightSpec } from './weights.js';

export const RECIPE_FORMAT = 'commonsynth-recipe';
export const RECIPE_VERSION = 1;

/** How a source is stored: already encoded (`_embeddings.npy`) or audio to encode first. */
export type SourceKind = 'embedding' | 'audio';

export interface RecipeSource {
  kind: SourceKind;
  /** File path, relative to the recipe file's folder or absolute. */
  path?: string;
  /** SHA-1 of the source audio file, as in the dataset manifest (keys the embedding store). */
  sha1?: string;
  /** SHA-1 of the source embedding's float32 little-endian data, checked when rendering. */
  embeddingSha1?: string;
  /** Frames of the source embedding as loaded (before time-stretch). */
  frames: number;
  /** Time-stretch factor applied to the whole source first (> 1 is slower). */
  stretch: number;
  /** First frame of the segment used, in stretched frames. */
  offset: number;
}

export interface RecipeModel {
  name: string;
  version?: string;
}

/** The random bounds a recipe was drawn from: a record for people, never read when rendering. */
export interface RecipeDrawnFrom {
  holdSeconds: { min: number; max: number };
  fadeSeconds: { min: number; max: number };
  offsets: 'random' | 'start' | 'explicit';
}

export interface Recipe {
  format: typeof RECIPE_FORMAT;
  version: typeof RECIPE_VERSION;
  /** The seed every random choice below was drawn from. */
  seed: number;
  /** The model whose embedding space the sources live in. */
  model: RecipeModel;
  timing: FrameTiming;
  /** Embedding size (16 for NSynth). */
  dims: number;
  /** Output length in frames. */
  frames: number;
  /** How sources shorter than their segment are read. */
  fit: FitMode;
  mix: MixMode;
  weights: WeightSpec;
  /** Latent noise: amount x per-dimension spread x N(0, 1) drawn from `seed`. Amount 0: none. */
  noise: { amount: number; seed: number };
  /**
   * Loudness target for audio sources before encoding: integrated loudness per BS.1770
   * (`targetLufs`), or the older gated RMS (`targetDbfs`, see `matchSourceLoudness`); null: none.
   */
  loudness: RecipeLoudness | null;
  sources: RecipeSource[];
  drawnFrom?: RecipeDrawnFrom;
  createdBy?: string;
}

/** A source handed to `createRecipe`: its embedding plus how the recipe should name it. */
export interface RecipeSourceInput {
  embedding: Embedding;
  kind?: SourceKind;
  path?: string;
  sha1?: string;
}

export interface RecipeOptions {
  seed: number;
  model: RecipeModel;
  /** Output length; default: the shortest (stretched) source. `frames` wins over seconds. */
  lengthSeconds?: number;
  frames?: number;
  /** Fade shape of the drawn cross-fades (default raised-cosine). */
  shape?: FadeShape;
  mix?: MixMode;
  /** Seconds a source plays alone between fades (default 1–3 s). */
  holdSeconds?: { min: number; max: number };
  /** Fade length in seconds (default 0.5–2 s). */
  fadeSeconds?: { min: number; max: number };
  /** A custom weight curve instead of drawn cross-fades. */
  weights?: KeyframeWeights;
  /** Segment offsets: random (default), all at the start (the original system), or explicit. */
  offsets?: 'random' | 'start' | number[];
  /** Time-stretch factor for every source, or one per source (default 1). */
  stretch?: number | number[];
  fit?: FitMode;
  /** Latent noise amount (default 0). */
  noise?: number;
  /** Gated RMS loudness target (dBFS) for audio sources before encoding (default null: none). */
  loudnessDbfs?: number | null;
  /** BS.1770 integrated loudness target (LUFS) for audio sources; wins over `loudnessDbfs`. */
  loudnessLufs?: number | null;
  timing?: FrameTiming;
}

/** How audio sources are levelled before encoding. */
export type RecipeLoudness = { targetLufs: number } | { targetDbfs: number };
