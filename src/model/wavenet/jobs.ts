/**
 * File jobs behind `commonsynth encode` and `commonsynth synth`, for any model family (through
 * openAutoencoder): audio files → `<name>_embeddings.npy`, embedding files → WAV. Batch jobs: a
 * file that fails is recorded and skipped, the others go on. Synth is resumable: its state is
 * saved in the output folder under a name derived from the job, so running the same command
 * again after a kill resumes it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  type AudioFormat,
  embeddingFileName,
  loadEmbeddings,
  loadMono,
  saveEmbedding,
  writeAudioFile,
} from '../../audio/index.js';
import { describeError, UsageError } from '../../errors.js';
import type { Embedding, MonoAudio } from '../../types.js';
import { VERSION } from '../../version.js';
import { openAutoencoder } from '../autoencoder.js';
import { loadModelPackage, type WaveNetPackage } from '../package/index.js';
import { resolveModel } from '../registry.js';
import type { Precision } from './decoder-graph.js';
import { createWaveNetEncoder, type WaveNetEncoder } from './encoder.js';
import {
  type CheckpointOptions,
  createWaveNetGenerator,
  type WaveNetGenerator,
} from './generator.js';

export interface FileFailure {
  input: string;
  error: string;
}

export interface FileJobOutput {
  input: string;
  output: string;
  frames: number;
  seconds: number;
}

export interface JobModelInfo {
  /** Registered name, "default", or the package folder's name. */
  name: string;
  family: string;
  dir: string;
  sampleRate: number;
  hop: number;
  dims: number;
}

export interface FileJobResult {
  model: JobModelInfo;
  outputs: FileJobOutput[];
  failures: FileFailure[];
}

export interface JobDecodeOptions {
  seed?: number;
  /** One distinct name per input keying its random draws (default: its index). */
  streamNames?: readonly string[];
  temperature?: number;
  chunkSeconds?: number;
  checkpoint?: CheckpointOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** What encode and synth need from a model, whatever its family. */
export interface JobModel {
  info: JobModelInfo;
  encode(audio: MonoAudio): Promise<Embedding>;
  decode(embeddings: readonly Embedding[], options: JobDecodeOptions): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface ModelChoice {
  /** A model name or package folder (default: the shipped model). */
  model?: string;
  /** ONNX Runtime threads (default: one per core). */
  threads?: number;
  /** wavenet-ae decoder precision (default fp32; int8 is faster and approximate). */
  precision?: Precision;
  /** wavenet-ae encoding: crop a last partial hop (Magenta, default) or zero-pad it. */
  tail?: 'crop' | 'pad';
}

/**
 * wavenet-ae through this folder's encoder and generator directly, so the jobs get every option
 * (precision, checkpoint cadence, Magenta's cropping); encoder and generator are built on first use.
 */
function waveNetJobModel(pkg: WaveNetPackage, info: JobModelInfo, choice: ModelChoice): JobModel {
  let encoder: Promise<WaveNetEncoder> | undefined;
  let generator: Promise<WaveNetGenerator> | undefined;
  return {
    info,
    async encode(audio) {
      encoder ??= createWaveNetEncoder(pkg, { threads: choice.threads });
      return (await encoder).encode(audio, { tail: choice.tail ?? 'crop' });
    },
    async decode(embeddings, options) {
      generator ??= createWaveNetGenerator(pkg, {
        threads: choice.threads,
        precision: choice.precision,
      });
      const temperature = options.temperature ?? 1;
      return (await generator).generate(embeddings, {
        seed: options.seed,
        streamNames: options.streamNames,
        argmax: temperature === 0,
        temperature: temperature === 0 ? 1 : temperature,
        chunkSeconds: options.chunkSeconds,
        checkpoint: options.checkpoint,
        signal: options.signal,
        onProgress: options.onProgress ? (p) => options.onProgress?.(p.done, p.total) : undefined,
      });
    },
    async close() {
      await Promise.all([encoder?.then((e) => e.dispose()), generator?.then((g) => g.dispose())]);
    },
  };
}

/** The one place where encode and synth turn `--model` into a runnable model. */
export async function openModelForJob(choice: ModelChoice = {}): Promise<JobModel> {
  const resolved = await resolveModel(choice.model);
  const pkg = await loadModelPackage(resolved.dir);
  const info: JobModelInfo = {
    name: resolved.name,
    family: pkg.family,
    dir: pkg.dir,
    sampleRate: pkg.config.sampleRate,
    hop: pkg.config.hop,
    dims: pkg.config.embeddingDims,
  };
  if (pkg.family === 'wavenet-ae') return waveNetJobModel(pkg, info, choice);
  if (choice.precision !== undefined && choice.precision !== 'fp32') {
    throw new UsageError(
      `precision ${choice.precision} applies to wavenet-ae models; "${info.name}" is ${pkg.family}`,
    );
  }
  const autoencoder = await openAutoencoder(pkg, { threads: choice.threads });
  return {
    info,
    encode: (audio) => autoencoder.encode(audio),
    decode: (embeddings, options) =>
      autoencoder.decode(embeddings, {
        seed: options.seed,
        streamNames: options.streamNames,
        temperature: options.temperature,
        chunkSeconds: options.chunkSeconds,
        checkpoint: options.checkpoint?.path,
        signal: options.signal,
        onProgress: options.onProgress,
      }),
    close: () => autoencoder.close(),
  };
}

/** Two inputs that would write the same output file are a usage error, found before any work. */
function checkDistinctOutputs(
  inputs: readonly string[],
  outputName: (input: string) => string,
): void {
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const name = outputName(input);
    const other = seen.get(name);
    if (other !== undefined && resolve(other) !== resolve(input)) {
      throw new UsageError(`${other} and ${input} would both write ${name}; rename one of them`);
    }
    seen.set(name, input);
  }
}

export interface EncodeFilesOptions extends ModelChoice {
  outDir: string;
  /** Called after each file, done or failed. */
  onFile?: (done: number, total: number, input: string) => void;
}

/** Encodes each audio file (decoded, mono, resampled to the model's rate) to `<name>_embeddings.npy`. */
export async function encodeFiles(
  inputs: readonly string[],
  options: EncodeFilesOptions,
): Promise<FileJobResult> {
  checkDistinctOutputs(inputs, embeddingFileName);
  await mkdir(options.outDir, { recursive: true });
  const model = await openModelForJob(options);
  const result: FileJobResult = { model: model.info, outputs: [], failures: [] };
  try {
    for (const [index, input] of inputs.entries()) {
      try {
        const audio = await loadMono(input, { sampleRate: model.info.sampleRate });
        const embedding = await model.encode(audio);
        const output = join(options.outDir, embeddingFileName(input));
        await saveEmbedding(output, embedding);
        result.outputs.push({
          input,
          output,
          frames: embedding.frames,
          seconds: audio.samples.length / audio.sampleRate,
        });
      } catch (error) {
        result.failures.push({ input, error: describeError(error) });
      }
      options.onFile?.(index + 1, inputs.length, input);
    }
  } finally {
    await model.close();
  }
  return result;
}

export interface SynthFilesOptions extends ModelChoice {
  outDir: string;
  seed?: number;
  /** Sampling temperature (default 1); 0 = argmax. */
  temperature?: number;
  /** Split long sounds into chunks of about this many seconds, generated as one batch (0 = off). */
  chunkSeconds?: number;
  /** Seconds between state saves (default 60). */
  checkpointSeconds?: number;
  /** Samples generated so far, summed over all sounds, and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops generation; the state is saved and the same job resumes from it. */
  signal?: AbortSignal;
  /** Called before generation with the job's state file and whether it resumes from it. */
  onStart?: (info: { statePath: string; resuming: boolean }) => void;
  /**
   * Reads one input as embeddings (default: a `.npy` file). The synth command passes a loader
   * that also renders mashup recipes, so recipes and `.npy` files share one batch.
   */
  loadInput?: (input: string, model: JobModel) => Promise<Embedding | Embedding[]>;
  /** Output file format (default wav). */
  format?: AudioFormat;
}

/**
 * `gen_<name>.wav` for `<name>_embeddings.npy` (or `<name>.npy`), as Magenta names its outputs;
 * also for a recipe `<name>.recipe.json` (or `<name>.json`).
 */
export function synthOutputName(
  input: string,
  format: AudioFormat = 'wav',
  stream?: number,
): string {
  const base = basename(input).replace(/((_embeddings)?\.npy|(\.recipe)?\.json)$/i, '');
  // One file holding a batch of embeddings gives one stream each: gen_<name>-<i>.
  return `gen_${base}${stream === undefined ? '' : `-${stream}`}.${format}`;
}

/** The state file of a synth job: derived from the model, the inputs' contents and the options. */
export async function synthStatePath(
  model: JobModel,
  embeddings: ReadonlyArray<{ input: string; embedding: Embedding }>,
  options: Pick<SynthFilesOptions, 'outDir' | 'seed' | 'temperature' | 'chunkSeconds'>,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      model: [model.info.dir, model.info.name],
      seed: options.seed ?? 0,
      temperature: options.temperature ?? 1,
      chunkSeconds: options.chunkSeconds ?? 0,
      inputs: embeddings.map((e) => [resolve(e.input), e.embedding.frames, e.embedding.dims]),
    }),
  );
  for (const { embedding } of embeddings) {
    hash.update(
      new Uint8Array(embedding.data.buffer, embedding.data.byteOffset, embedding.data.byteLength),
    );
  }
  return join(options.outDir, `.synth-${hash.digest('hex').slice(0, 16)}.state`);
}

/**
 * Synthesises audio for each `.npy` embedding file, all together as one batch, writing
 * `gen_<name>.wav` (16-bit) to outDir. Unreadable or mismatched embedding files are failures;
 * the rest are generated.
 */
export async function synthFiles(
  inputs: readonly string[],
  options: SynthFilesOptions,
): Promise<FileJobResult> {
  checkDistinctOutputs(inputs, (input) => synthOutputName(input, options.format));
  await mkdir(options.outDir, { recursive: true });
  const model = await openModelForJob(options);
  const result: FileJobResult = { model: model.info, outputs: [], failures: [] };
  try {
    const loaded: Array<{ input: string; embedding: Embedding; stream?: number }> = [];
    for (const input of inputs) {
      try {
        const read = await (options.loadInput
          ? options.loadInput(input, model)
          : loadEmbeddings(input));
        const batch = Array.isArray(read) ? read : [read];
        for (const embedding of batch) {
          if (embedding.dims !== model.info.dims) {
            throw new UsageError(
              `${input}: embedding has ${embedding.dims} dims per frame, model "${model.info.name}" uses ${model.info.dims}`,
            );
          }
          if (embedding.frames < 1) throw new UsageError(`${input}: embedding has no frames`);
        }
        for (const [i, embedding] of batch.entries())
          loaded.push({ input, embedding, stream: batch.length > 1 ? i : undefined });
      } catch (error) {
        result.failures.push({ input, error: describeError(error) });
      }
    }
    if (loaded.length === 0) return result;
    const checkpoint = await synthStatePath(model, loaded, options);
    options.onStart?.({ statePath: checkpoint, resuming: existsSync(checkpoint) });
    const audio = await model.decode(
      loaded.map((l) => l.embedding),
      {
        seed: options.seed,
        temperature: options.temperature,
        chunkSeconds: options.chunkSeconds,
        checkpoint: { path: checkpoint, everySeconds: options.checkpointSeconds },
        signal: options.signal,
        onProgress: options.onProgress,
      },
    );
    for (const [i, { input, embedding, stream }] of loaded.entries()) {
      const output = join(options.outDir, synthOutputName(input, options.format, stream));
      try {
        // What the file can say about itself: the model and seed that made it (the same audio
        // gives the same file, from a recipe or its .npy; a recipe's sources are credited where
        // the recipe was made: `run` writes credits per clip).
        await writeAudioFile(output, audio[i], model.info.sampleRate, {
          format: options.format ?? 'wav',
          metadata: {
            artist: 'commonsynth',
            comment: `Synthesised by the model "${model.info.name}", seed ${options.seed ?? 0}.`,
            software: `commonsynth ${VERSION}`,
          },
        });
        result.outputs.push({
          input,
          output,
          frames: embedding.frames,
          seconds: audio[i].length / model.info.sampleRate,
        });
      } catch (error) {
        result.failures.push({ input, error: describeError(error) });
      }
    }
  } finally {
    await model.close();
  }
  return result;
}
