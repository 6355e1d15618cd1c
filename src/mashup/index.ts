/**
 * Mashups: cross-fades, interpolation curves, slerp, latent noise, time-stretch, loudness matching
 * and recipes. Embeddings in, embeddings out; file I/O and encoding are injected by the caller.
 */
export { largestLatentStep, latentSteps } from './continuity.js';
export { RecipeError, RecipeSourceMismatchError } from './errors.js';
export {
  assertFadeShape,
  FADE_SHAPES,
  type FadeShape,
  fadeInGain,
  fadeOutGain,
  fadePosition,
  isFadeShape,
} from './fades.js';
export {
  isEmbeddingPath,
  type MashupFilesOptions,
  type MashupFilesResult,
  mashupFiles,
  type RenderRecipeFileOptions,
  recipeEmbeddingPath,
  renderRecipeFile,
  resolveSourcePath,
  type SourceEncoder,
} from './files.js';
export {
  addLatentNoise,
  dimensionSpread,
  extractSegment,
  FIT_MODES,
  type FitMode,
  MIX_MODES,
  type MixMode,
  mixSegments,
  segmentFrameIndex,
  slerp,
  stretchedFrames,
  timeStretchEmbedding,
} from './latent.js';
export {
  type EncodeAudio,
  encodeSourceAudio,
  recipeSourceLoader,
  type SourceLoaderIO,
} from './loaders.js';
export {
  matchSourceLoudness,
  matchSourceLufs,
  SOURCE_LOUDNESS_LUFS,
  SOURCE_PEAK_CEILING_DBFS,
} from './loudness.js';
export {
  checkSourceEmbedding,
  createRecipe,
  crossFade,
  DEFAULT_FADE_SECONDS,
  DEFAULT_HOLD_SECONDS,
  embeddingSha1,
  mashup,
  type RenderOptions,
  renderRecipe,
  renderRecipeWith,
  type SourceEmbeddingLoader,
} from './recipe.js';
export {
  RECIPE_FORMAT,
  RECIPE_VERSION,
  type Recipe,
  type RecipeDrawnFrom,
  type RecipeLoudness,
  type RecipeModel,
  type RecipeOptions,
  type RecipeSource,
  type RecipeSourceInput,
  type SourceKind,
} from './recipe-types.js';
export {
  DEFAULT_HOP,
  DEFAULT_SAMPLE_RATE,
  DEFAULT_TIMING,
  type FrameTiming,
  frameSeconds,
  framesToSeconds,
  MAX_MASHUP_SECONDS,
  maxMashupFrames,
  secondsToFrames,
} from './timing.js';
export { loadRecipe, parseRecipe, saveRecipe } from './validate.js';
export {
  type CrossfadeWeights,
  drawCrossfadeSchedule,
  KEYFRAME_EASINGS,
  type KeyframeEasing,
  type KeyframeWeights,
  type ScheduleBounds,
  type ScheduledFade,
  type WeightCurve,
  type WeightKeyframe,
  type WeightSpec,
  weightCurve,
} from './weights.js';
