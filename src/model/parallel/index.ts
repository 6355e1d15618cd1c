/** Runtime for 'parallel-ae' model packages (encoder.onnx + decoder.onnx on ONNX Runtime). */
export { ParallelAutoencoder, type ParallelRuntimeOptions } from './runtime.js';
