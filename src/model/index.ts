/**
 * The model stage: model packages, checkpoint import, ONNX graphs, encoder and generator.
 * Each part appends its exports here.
 */

// One interface over both families; the parallel-ae runtime; where packages are found; training.
export {
  type Autoencoder,
  type AutoencoderInfo,
  type DecodeOptions,
  type OpenAutoencoderOptions,
  openAutoencoder,
  SampleRateError,
} from './autoencoder.js';
// ONNX graph building and sessions; the WaveNet encoder, incremental generator and file jobs.
export * from './onnx/index.js';
// Model packages (config.json + weights), safetensors, random test weights.
export * from './package/index.js';
export { ParallelAutoencoder, type ParallelRuntimeOptions } from './parallel/index.js';
export { randomWaveNetWeights } from './random-weights.js';
export {
  commonsynthHome,
  DEFAULT_MODEL_NAME,
  type InstalledModel,
  listModels,
  ModelNotFoundError,
  type ModelSource,
  packageRoot,
  type RegisterOptions,
  type ResolvedModel,
  registeredModelNames,
  registerModel,
  resolveModel,
  shippedDefaultModelDir,
  userModelsDir,
} from './registry.js';
export {
  float32Values,
  parseSafetensors,
  readSafetensors,
  SAFETENSORS_DTYPE_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  SafetensorsError,
  type SafetensorsFile,
  writeSafetensors,
} from './safetensors.js';
export { elementCount, type Tensor, type WeightMap } from './tensor.js';
// TensorFlow checkpoints (tensor bundles): inspect, read, write, import to a package.
export * from './tf/index.js';
export {
  findTorchPython,
  pythonCandidates,
  TORCH_INSTALL_HINT,
  type TorchPython,
  TrainerFailedError,
  type TrainerRecord,
  TrainerUnavailableError,
  type TrainOptions,
  type TrainResult,
  trainerDir,
  trainModel,
} from './trainer.js';
export * from './wavenet/index.js';
export {
  type EncodeFilesOptions,
  encodeFiles,
  type FileFailure,
  type FileJobOutput,
  type FileJobResult,
  type JobDecodeOptions,
  type JobModel,
  type JobModelInfo,
  type ModelChoice,
  openModelForJob,
  type SynthFilesOptions,
  synthFiles,
  synthOutputName,
  synthStatePath,
} from './wavenet/jobs.js';
export {
  decoderReceptiveField,
  dilationOf,
  H512_BO16,
  type WaveNetConfig,
  wavenetVariableShapes,
} from './wavenet-config.js';
