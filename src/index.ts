/**
 * commonsynth as a library. Each stage exports its public face from its own index.ts;
 * this file re-exports them.
 */
export * from './audio/index.js';
export * from './commons/index.js';
export * from './dataset/index.js';
export { CommonsynthError, describeError, UsageError } from './errors.js';
export * from './eval/index.js';
export { sha1OfFile } from './hash.js';
export * from './mashup/index.js';
export * from './model/index.js';
export * from './pipeline/index.js';
export {
  assertSeed,
  createRng,
  createRngFromState,
  deriveSeed,
  type Rng,
} from './random.js';
export * from './sequencer/index.js';
export type { Embedding, MonoAudio } from './types.js';
export { VERSION } from './version.js';
