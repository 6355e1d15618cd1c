/**
 * Quality measures for autoencoders: multi-resolution STFT distance and log-mel L1 (issue 6),
 * frame periodicity, frame-grid peak share and pitch kept (issue 10), next to the original's own
 * values, optional codec anchors (Opus through ffmpeg) and the silence and -20 dB noise
 * baselines, per clip, per theme and overall.
 */
export {
  type AnchorSpec,
  AnchorSpecError,
  anchorDelay,
  anchorOutput,
  CodecError,
  FfmpegMissingError,
  ffmpegPath,
  opusRoundTrip,
  parseAnchors,
  requireFfmpegOpus,
} from './anchors.js';
export {
  addNoiseAt,
  type BaselineScores,
  baselineScores,
  DEFAULT_BASELINE_SEED,
  NOISE_BASELINE_DB,
  whiteNoise,
} from './baselines.js';
export {
  framePeriodicity,
  gridPeakShare,
  highPassed,
  highPassKernel,
  isVoiced,
  LISTENING_SPEC,
  ListeningReference,
  type ListeningScores,
  type ListeningSummary,
  listeningScores,
  longTermSpectrumDb,
  normalisedAutocorrelation,
  onFrameGrid,
  type PitchTrack,
  pitchKept,
  pitchKeptOf,
  prominentPeaks,
  summariseListening,
  yinPitch,
} from './listening.js';
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
  type OutputScores,
  type OutputSummary,
  readThemeManifest,
  scoreClip,
  summarise,
} from './model-eval.js';
export { EvalInputError, type Spectrogram, stftMagnitude } from './spectrum.js';
