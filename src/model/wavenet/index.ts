export {
  type CheckpointHeader,
  readCheckpoint,
  SynthCheckpointError,
} from './checkpoint.js';
export {
  type ChunkingOptions,
  type ChunkPlan,
  planChunks,
  type StreamSpec,
  warmupFrames,
} from './chunking.js';
export {
  buildConditioningGraph,
  buildDecoderStepGraph,
  type DecoderGraphOptions,
  type Precision,
  type QueueFeed,
  quantizeColumns,
  ringSlots,
  stepNames,
  type TapFusion,
} from './decoder-graph.js';
export {
  createWaveNetEncoder,
  type EncodeOptions,
  type EncoderInput,
  EncoderInputError,
  encodeAudio,
  WaveNetEncoder,
  type WaveNetEncoderOptions,
} from './encoder.js';
export { buildEncoderGraph, encoderHalfReceptiveField } from './encoder-graph.js';
export {
  type CheckpointOptions,
  checkEmbedding,
  createWaveNetGenerator,
  EmbeddingInputError,
  type GenerateOptions,
  GenerationAbortedError,
  type GenerationProgress,
  WaveNetGenerator,
  type WaveNetGeneratorOptions,
} from './generator.js';
export {
  resolveWaveNet,
  type WaveNetModel,
  type WaveNetSource,
  WaveNetWeightsError,
} from './model.js';
export { classTables, classToAudio, invMuLaw, muLaw, muLawInput } from './mulaw.js';
export { argmaxClass, type SamplingOptions, sampleClass } from './sampler.js';
