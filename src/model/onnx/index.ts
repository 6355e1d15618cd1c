export {
  type AttributeValue,
  type Dim,
  type ElementType,
  GraphBuildError,
  GraphBuilder,
  type InitializerData,
  type ModelOptions,
  type NodeOptions,
} from './graph.js';
export {
  checkThreads,
  createSession,
  type OptimizationLevel,
  type SessionOptions,
} from './session.js';
