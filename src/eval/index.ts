/**
 * Quality measure for autoencoders (issue 6): multi-resolution STFT distance and log-mel L1,
 * next to the silence and -20 dB noise baselines, per clip, per theme and overall.
 */
export {
  addNoiseAt,
  type BaselineScores,
  baselineScores,
  DEFAULT_BASELINE_SEED,
  NOISE_BASELINE_DB,
  whiteNoise,
} from './baselines.js';
export {
  evaluate,
  logMelDb,
  logMelL1Db,
  METRIC_SPEC,
  multiResolutionStftDistance,
  QualityReference,
  type QualityScores,
  type StftDistance,
} from './metrics.js';
export {
  type ClipResult,
  collectAudioFiles,
  type EvalFailure,
  type EvalReport,
  type EvaluateModelOptions,
  EvaluationError,
  evaluateModel,
  type GroupSummary,
  type MeanScores,
  type ModelSplit,
  modelSplitFiles,
  readThemeManifest,
  scoreClip,
  summarise,
} from './model-eval.js';
export { EvalInputError, type Spectrogram, stftMagnitude } from './spectrum.js';
