/**
 * One interface over both model families, for everything that encodes and decodes (`run`,
 * mashups, `eval`): open a package by name or path, encode mono audio to embeddings, decode
 * embeddings to audio. 'parallel-ae' runs its two ONNX graphs; 'wavenet-ae' delegates to the
 * WaveNet encoder and incremental generator in ./wavenet.
 */
import { CommonsynthError } from '../errors.js';
import type { Embedding, MonoAudio } from '../types.js';
import {
  loadModelPackage,
  type ModelFamily,
  type ModelPackage,
  type WaveNetPackage,
} from './package/index.js';
import { ParallelAutoencoder } from './parallel/index.js';
import { type ResolvedModel, resolveModel } from './registry.js';
import {
  type CheckpointOptions,
  createWaveNetEncoder,
  createWaveNetGenerator,
  type WaveNetEncoder,
  type WaveNetGenerator,
} from './wavenet/index.js';

export interface AutoencoderInfo {
  /** Registered name, "default", or the folder name of a package opened by path. */
  name: string;
  family: ModelFamily;
  dir: string;
  isDefault: boolean;
  sampleRate: number;
  /** Samples per embedding frame. */
  hop: number;
  /** Numbers per embedding frame. */
  dims: number;
  /**
   * True when decoding draws random numbers, so `seed` matters: wavenet-ae (which also takes
   * `temperature`) and parallel-ae decoders with a noise input (0.3.0's harmonic-plus-noise).
   */
  stochastic: boolean;
}

export interface DecodeOptions {
  /** Seed of the sampler or the decoder's noise (default 0); the same seed gives the same audio. */
  seed?: number;
  /** Sampling temperature (wavenet-ae, default 1); 0 takes the most likely sample (argmax). */
  temperature?: number;
  /** Called as decoding advances, in output samples of all streams together. */
  onProgress?: (doneSamples: number, totalSamples: number) => void;
  /** wavenet-ae: split long sequences into chunks of about this many seconds, generated as one batch. */
  chunkSeconds?: number;
  /** wavenet-ae: a state file (or its options) that makes a killed decode resume where it stopped. */
  checkpoint?: string | CheckpointOptions;
  /** Stops decoding (wavenet-ae saves its checkpoint first). */
  signal?: AbortSignal;
  /** One distinct name per input keying its random draws (default: its index). */
  streamNames?: readonly string[];
}

export interface Autoencoder {
  readonly info: AutoencoderInfo;
  /** The embeddings of one clip at the model's sample rate: ceil(samples / hop) frames. */
  encode(audio: MonoAudio): Promise<Embedding>;
  /** Audio for each embedding sequence (frames x hop samples each), generated together. */
  decode(embeddings: readonly Embedding[], options?: DecodeOptions): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface OpenAutoencoderOptions {
  /** ONNX Runtime intra-op threads (default 2). */
  threads?: number;
}

/** Audio handed to a model at a rate it was not trained for. */
export class SampleRateError extends CommonsynthError {
  constructor(message: string) {
    super('SAMPLE_RATE', message);
  }
}

function checkRate(info: AutoencoderInfo, audio: MonoAudio): void {
  if (audio.sampleRate !== info.sampleRate) {
    throw new SampleRateError(
      `model "${info.name}" takes ${info.sampleRate} Hz audio, got ${audio.sampleRate} Hz; resample it first`,
    );
  }
}

function openParallel(runtime: ParallelAutoencoder, info: AutoencoderInfo): Autoencoder {
  return {
    info,
    async encode(audio) {
      checkRate(info, audio);
      const [embedding] = await runtime.encode([audio.samples]);
      return embedding;
    },
    async decode(embeddings, options = {}) {
      const total = embeddings.reduce((n, e) => n + e.frames * info.hop, 0);
      options.onProgress?.(0, total);
      const audio = await runtime.decode(embeddings, {
        seed: options.seed,
        streamNames: options.streamNames,
      });
      options.onProgress?.(total, total);
      return audio;
    },
    close: () => runtime.close(),
  };
}

/**
 * wavenet-ae: the runtime's windowed encoder (a ragged end zero-padded to a whole hop, so
 * reconstructions cover the whole clip) and its incremental generator. Each is built on first use,
 * so encoding alone never builds the decoder's graphs.
 */
function openWaveNet(
  pkg: WaveNetPackage,
  info: AutoencoderInfo,
  options: OpenAutoencoderOptions,
): Autoencoder {
  const threads = options.threads ?? 2;
  let encoder: Promise<WaveNetEncoder> | undefined;
  let generator: Promise<WaveNetGenerator> | undefined;
  return {
    info,
    async encode(audio) {
      checkRate(info, audio);
      encoder ??= createWaveNetEncoder(pkg, { threads });
      return (await encoder).encode(audio.samples, { tail: 'pad' });
    },
    async decode(embeddings, decodeOptions = {}) {
      generator ??= createWaveNetGenerator(pkg, { threads });
      const temperature = decodeOptions.temperature;
      return (await generator).generate(embeddings, {
        seed: decodeOptions.seed,
        argmax: temperature === 0,
        temperature: temperature === 0 ? undefined : temperature,
        chunkSeconds: decodeOptions.chunkSeconds,
        streamNames: decodeOptions.streamNames,
        checkpoint: decodeOptions.checkpoint,
        signal: decodeOptions.signal,
        onProgress: decodeOptions.onProgress
          ? (p) => decodeOptions.onProgress?.(p.done, p.total)
          : undefined,
      });
    },
    async close() {
      const e = encoder;
      const g = generator;
      encoder = undefined;
      generator = undefined;
      await Promise.all([e?.then((x) => x.dispose()), g?.then((x) => x.dispose())]);
    },
  };
}

/**
 * Opens a model for encoding and decoding: `model` is a name or folder (see resolveModel; none
 * means the shipped default), an already resolved model, or a loaded package.
 */
export async function openAutoencoder(
  model?: string | ResolvedModel | ModelPackage,
  options: OpenAutoencoderOptions = {},
): Promise<Autoencoder> {
  let name: string;
  let isDefault = false;
  let pkg: ModelPackage;
  if (model === undefined || typeof model === 'string') {
    const resolved = await resolveModel(model);
    pkg = await loadModelPackage(resolved.dir);
    name = resolved.name;
    isDefault = resolved.isDefault;
  } else if ('source' in model) {
    pkg = await loadModelPackage(model.dir);
    name = model.name;
    isDefault = model.isDefault;
  } else {
    pkg = model;
    name = model.config.name;
  }
  const info: AutoencoderInfo = {
    name,
    family: pkg.family,
    dir: pkg.dir,
    isDefault,
    sampleRate: pkg.config.sampleRate,
    hop: pkg.config.hop,
    dims: pkg.config.embeddingDims,
    stochastic: pkg.family === 'wavenet-ae',
  };
  if (pkg.family === 'parallel-ae') {
    const runtime = await ParallelAutoencoder.open(pkg, { threads: options.threads });
    return openParallel(runtime, { ...info, stochastic: runtime.takesNoise });
  }
  return openWaveNet(pkg, info, options);
}
