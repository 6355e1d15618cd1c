/** `run`: the stages chained, cached and resumable; the embedding store that runs share. */
export { EmbeddingStore, modelKey } from './embedding-store.js';
export {
  type ClipReport,
  choosePairs,
  defaultClipSeconds,
  drawPairs,
  RUN_STAGES,
  type RunEvent,
  type RunFailure,
  type RunOptions,
  type RunReport,
  type RunStage,
  runPipeline,
} from './run.js';
export {
  CommonsUnreachableError,
  commonsSources,
  folderSources,
  type RunSource,
  type RunSourceFile,
  recordDatasetStatus,
} from './sources.js';
export {
  isRecipePath,
  loadSynthInput,
  NonFiniteEmbeddingError,
  type SynthInputModel,
  type SynthInputOptions,
} from './synth-inputs.js';
