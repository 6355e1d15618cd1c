export {
  CONFIG_FILE,
  DECODER_FILE,
  ENCODER_FILE,
  type JsonValue,
  MODEL_FAMILIES,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelConfig,
  type ModelCredits,
  type ModelFamily,
  type ParallelModelConfig,
  readModelConfig,
  type TrainingDataCredit,
  type ValidatedConfig,
  validateModelConfig,
  validateWaveNetConfig,
  type WaveNetModelConfig,
  WEIGHTS_FILE,
  type WeightsKind,
} from './config.js';
export { ModelPackageError } from './errors.js';
export {
  checkWaveNetWeights,
  type LoadModelPackageOptions,
  loadModelPackage,
  type ModelPackage,
  type ParallelPackage,
  type WaveNetPackage,
} from './load.js';
export { type SaveWaveNetPackageOptions, saveWaveNetPackage, wavenetModelConfig } from './save.js';
