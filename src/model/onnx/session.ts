/** ONNX Runtime sessions with commonsynth's defaults for this CPU-only, few-core setting. */
import * as ort from 'onnxruntime-node';
import { UsageError } from '../../errors.js';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /** Intra-op threads; default: all cores (ORT's own default). */
  threads?: number;
  /** ORT graph optimisation level (default 'all'). */
  optimization?: OptimizationLevel;
  /**
   * Let idle intra-op threads spin waiting for work (ORT's own default) instead of sleeping.
   * Default false: spinning burns cores that other processes could use, and on a shared 2-core
   * machine it made the WaveNet decoder step about twice as slow (docs/benchmarks.md).
   */
  spinning?: boolean;
}

export function checkThreads(threads: number | undefined): void {
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256)) {
    throw new UsageError(`threads must be an integer from 1 to 256, got ${threads}`);
  }
}

/** A CPU inference session over a serialised ONNX model. */
export async function createSession(
  model: Uint8Array,
  options: SessionOptions = {},
): Promise<ort.InferenceSession> {
  checkThreads(options.threads);
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: options.optimization ?? 'all',
    executionMode: 'sequential',
    // 0 lets ORT pick one thread per physical core.
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } } },
  });
}

export { ort };
