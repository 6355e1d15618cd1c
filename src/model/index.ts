/**
 * The model stage: model packages, checkpoint import, ONNX graphs, encoder and generator.
 * Each part appends its exports here.
 */

// Model packages (config.json + weights), safetensors, random test weights.
export * from './package/index.js';
export { randomWaveNetWeights } from './random-weights.js';
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
  decoderReceptiveField,
  dilationOf,
  H512_BO16,
  type WaveNetConfig,
  wavenetVariableShapes,
} from './wavenet-config.js';
