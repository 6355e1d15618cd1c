/**
 * Incremental WaveNet generation on ONNX Runtime (Magenta's fastgen), a whole batch per step.
 *
 * State per stream: for every dilated layer a ring buffer of that layer's past inputs (2d+1
 * slots; the step reads t-2d and t-d and its output for t goes straight into slot t), the last
 * three network inputs for the start convolution, and the conditioning of the current frame
 * (computed once per hop by a separate small graph). Streams are kept sorted by length, longest
 * first, so the streams still running are always a prefix of the batch: when one ends the batch
 * just shrinks, with no copying.
 */
import { createHash } from 'node:crypto';
import { CommonsynthError } from '../../errors.js';
import { assertSeed, createRng, deriveSeed, type Rng } from '../../random.js';
import type { Embedding } from '../../types.js';
import { createSession, ort, type SessionOptions } from '../onnx/session.js';
import { dilationOf, type WaveNetConfig } from '../wavenet-config.js';
import {
  readCheckpoint,
  removeCheckpoint,
  SynthCheckpointError,
  writeCheckpoint,
} from './checkpoint.js';
import { type ChunkingOptions, planChunks, type StreamSpec } from './chunking.js';
import {
  buildConditioningGraph,
  buildDecoderStepGraph,
  type Precision,
  ringSlots,
  stepNames,
  type TapFusion,
} from './decoder-graph.js';
import { resolveWaveNet, type WaveNetModel, type WaveNetSource } from './model.js';
import { classTables } from './mulaw.js';
import { argmaxClass, checkSamplingOptions, type SamplingOptions, sampleClass } from './sampler.js';

export interface WaveNetGeneratorOptions extends SessionOptions {
  /** fp32 (default, exact) or int8 (weights quantised per column; faster, approximate). */
  precision?: Precision;
  /** How dilated layers' taps are fused (default 'concat'; see TapFusion). */
  fusion?: TapFusion;
}

export interface GenerationProgress {
  /** Samples generated so far, summed over streams (including chunk warm-ups). */
  done: number;
  total: number;
  /** Steps run so far, of the longest stream's length; and the current batch size. */
  step: number;
  steps: number;
  batch: number;
}

export interface CheckpointOptions {
  /** The state file. If it exists and belongs to the same job, generation resumes from it. */
  path: string;
  /** Save every this many seconds of wall time (default 60). */
  everySeconds?: number;
  /** Save every this many steps as well (default: only by time). */
  everySteps?: number;
  /** Keep the file after success (default: removed). */
  keep?: boolean;
}

export interface GenerateOptions extends SamplingOptions, ChunkingOptions {
  /** Seed of the sampling draws (default 0): same seed and inputs, same audio. */
  seed?: number;
  onProgress?: (progress: GenerationProgress) => void;
  /** Resumable state on disk (a path, or options). */
  checkpoint?: string | CheckpointOptions;
  /**
   * Called after every step with each running stream's logits, for inspection. `stream` indexes
   * the streams given to generateStreams (the embeddings, for generate without chunking).
   */
  onLogits?: (step: number, stream: number, logits: Float32Array) => void;
  /** Stops generation (after saving a checkpoint, when there is one) with GenerationAbortedError. */
  signal?: AbortSignal;
}

/** An embedding that does not fit the model (dims, size, values). */
export class EmbeddingInputError extends CommonsynthError {
  constructor(message: string, file?: string) {
    super('EMBEDDING_INPUT', message, { file });
  }
}

/** Generation stopped by its AbortSignal; `checkpoint` is where the state was saved, if anywhere. */
export class GenerationAbortedError extends CommonsynthError {
  constructor(readonly checkpoint?: string) {
    super(
      'ABORTED',
      checkpoint
        ? `generation stopped; state saved to ${checkpoint} (run the same job again to resume)`
        : 'generation stopped',
      { file: checkpoint },
    );
  }
}

/** Checks that an embedding has the model's dims, at least one frame and finite values. */
export function checkEmbedding(
  embedding: Embedding,
  cfg: WaveNetConfig,
  what: string,
  file?: string,
): void {
  const { frames, dims, data } = embedding;
  if (dims !== cfg.bottleneckWidth) {
    throw new EmbeddingInputError(
      `${what}: embedding has ${dims} dims, the model expects ${cfg.bottleneckWidth}`,
      file,
    );
  }
  if (!Number.isInteger(frames) || frames < 1) {
    throw new EmbeddingInputError(`${what}: embedding has no frames`, file);
  }
  if (data.length !== frames * dims) {
    throw new EmbeddingInputError(`${what}: ${data.length} values for ${frames} x ${dims}`, file);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new EmbeddingInputError(
        `${what}: non-finite value at frame ${Math.floor(i / dims)}`,
        file,
      );
    }
  }
}

function checkpointOptions(
  option: string | CheckpointOptions | undefined,
): CheckpointOptions | null {
  if (option === undefined) return null;
  return typeof option === 'string' ? { path: option } : option;
}

export class WaveNetGenerator {
  readonly config: WaveNetConfig;
  private fingerprint: string | null = null;
  private readonly tables = classTables();

  private constructor(
    private readonly model: WaveNetModel,
    private readonly options: WaveNetGeneratorOptions,
    private readonly condSession: ort.InferenceSession,
    private readonly stepSession: ort.InferenceSession,
  ) {
    this.config = model.config;
  }

  static async create(
    source: WaveNetSource,
    options: WaveNetGeneratorOptions = {},
  ): Promise<WaveNetGenerator> {
    const model = resolveWaveNet(source);
    const condSession = await createSession(buildConditioningGraph(model), options);
    const stepSession = await createSession(
      buildDecoderStepGraph(model, { fusion: options.fusion, precision: options.precision }),
      options,
    );
    return new WaveNetGenerator(model, options, condSession, stepSession);
  }

  /**
   * Audio for each embedding (hop samples per frame), all generated together as one batch;
   * with `chunkSeconds`, long ones are split into chunks first (see chunking.ts).
   */
  async generate(
    embeddings: readonly Embedding[],
    options: GenerateOptions = {},
  ): Promise<Float32Array[]> {
    embeddings.forEach((e, i) => {
      checkEmbedding(e, this.config, `embedding ${i}`);
    });
    const plan = planChunks(embeddings, this.config, options);
    const audio = await this.generateStreams(plan.streams, {
      ...options,
      jobExtra: `chunks=${options.chunkSeconds ?? 0}/${plan.crossfadeFrames}`,
    });
    return plan.join(audio);
  }

  /** Generates each stream (no chunking): the low-level batch loop behind `generate`. */
  async generateStreams(
    streams: readonly StreamSpec[],
    options: GenerateOptions & { jobExtra?: string } = {},
  ): Promise<Float32Array[]> {
    const cfg = this.config;
    const seed = options.seed ?? 0;
    assertSeed(seed);
    checkSamplingOptions(options);
    const temperature = options.temperature ?? 1;
    const argmax = options.argmax ?? false;
    streams.forEach((s, i) => {
      checkEmbedding(s.embedding, cfg, `stream ${i}`);
      if (!Number.isInteger(s.length) || s.length < 1) {
        throw new EmbeddingInputError(
          `stream ${i}: length must be a positive integer, got ${s.length}`,
        );
      }
    });
    if (streams.length === 0) return [];

    const W = cfg.width;
    const S = cfg.skipWidth;
    const E = cfg.bottleneckWidth;
    const L = cfg.numLayers;
    const Q = cfg.quantizationChannels;
    const hop = cfg.hop;

    // Longest first (stable), so running streams are always a prefix of the batch.
    const order = streams.map((_, i) => i).sort((a, b) => streams[b].length - streams[a].length);
    const sorted = order.map((i) => streams[i]);
    const lengths = sorted.map((s) => s.length);
    const Bmax = sorted.length;
    const steps = lengths[0];
    const total = lengths.reduce((a, b) => a + b, 0);

    const dilations = Array.from({ length: L }, (_, i) => dilationOf(i, cfg.numStages));
    const rings = dilations.map((d) => new Float32Array(ringSlots(d) * Bmax * W));
    const inputs = new Float32Array(Bmax * 3);
    const audio = sorted.map((s) => new Float32Array(s.length));
    const rngs: Rng[] = sorted.map((s) => createRng(deriveSeed(seed, s.key)));
    let cond: Float32Array = new Float32Array(0);
    let condOut: Float32Array = new Float32Array(0);
    let condBatch = 0;
    let step = 0;

    const checkpoint = checkpointOptions(options.checkpoint);
    let jobKey = '';
    if (checkpoint) {
      jobKey = this.jobKey(sorted, { seed, temperature, argmax, extra: options.jobExtra ?? '' });
      const saved = readCheckpoint(checkpoint.path);
      if (saved) {
        if (saved.header.jobKey !== jobKey) {
          throw new SynthCheckpointError(
            `${checkpoint.path} holds the state of a different synth job (other model, inputs or options)`,
            checkpoint.path,
          );
        }
        const need = (name: string, length: number): Float32Array => {
          const data = saved.sections.get(name);
          if (!data || data.length !== length) {
            throw new SynthCheckpointError(
              `${checkpoint.path}: section ${name} missing or wrong size`,
              checkpoint.path,
            );
          }
          return data;
        };
        step = saved.header.step;
        condBatch = saved.header.condBatch;
        inputs.set(need('inputs', inputs.length));
        cond = need('cond', L * condBatch * 2 * W);
        condOut = need('condOut', condBatch * S);
        rings.forEach((ring, i) => {
          ring.set(need(`ring_${i + 1}`, ring.length));
        });
        audio.forEach((a, b) => {
          const done = Math.min(step, a.length);
          a.set(need(`audio_${b}`, done));
          // The draws already made: one per sample generated (none for argmax).
          if (!argmax) for (let k = 0; k < done; k++) rngs[b].nextUint32();
        });
      }
    }

    const save = (): void => {
      if (!checkpoint) return;
      const sections = new Map<string, Float32Array>([
        ['inputs', inputs],
        ['cond', cond],
        ['condOut', condOut],
      ]);
      for (const [i, ring] of rings.entries()) sections.set(`ring_${i + 1}`, ring);
      for (const [b, a] of audio.entries()) {
        sections.set(`audio_${b}`, a.subarray(0, Math.min(step, a.length)));
      }
      writeCheckpoint(checkpoint.path, { jobKey, step, condBatch }, sections);
    };

    let done = lengths.reduce((sum, n) => sum + Math.min(n, step), 0);
    let batch = Bmax;
    let lastSave = Date.now();
    let lastSaveStep = step;
    const scratch = new Float64Array(Q);
    const logits = new Float32Array(Bmax * Q);
    const everyMs = (checkpoint?.everySeconds ?? 60) * 1000;

    while (step < steps) {
      while (lengths[batch - 1] <= step) batch--;

      if (step % hop === 0 || condBatch === 0) {
        const frame = Math.floor(step / hop);
        const rows = new Float32Array(batch * E);
        for (let b = 0; b < batch; b++) {
          const e = sorted[b].embedding;
          // A stream longer than frames*hop keeps its last frame.
          const f = Math.min(frame, e.frames - 1);
          rows.set(e.data.subarray(f * E, (f + 1) * E), b * E);
        }
        const out = await this.condSession.run({
          embedding: new ort.Tensor('float32', rows, [batch, E]),
        });
        cond = out.cond.data as Float32Array;
        condOut = out[stepNames.condOut].data as Float32Array;
        condBatch = batch;
      }

      const tensor = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
      const feeds: Record<string, ort.Tensor> = {
        [stepNames.x]: tensor(inputs.subarray(0, batch * 3), [batch, 3]),
        [stepNames.condOut]: tensor(condOut.subarray(0, batch * S), [batch, S]),
      };
      const fetches: Record<string, ort.Tensor> = {
        [stepNames.logits]: tensor(logits.subarray(0, batch * Q), [batch, Q]),
      };
      const slotSize = Bmax * W;
      for (let i = 0; i < L; i++) {
        const d = dilations[i];
        const slots = ringSlots(d);
        const ring = rings[i];
        const slot = (time: number) => {
          const start = (((time % slots) + slots) % slots) * slotSize;
          return ring.subarray(start, start + batch * W);
        };
        const layer = i + 1;
        feeds[stepNames.past2(layer)] = tensor(slot(step - 2 * d), [batch, W]);
        feeds[stepNames.past1(layer)] = tensor(slot(step - d), [batch, W]);
        const condStart = i * condBatch * 2 * W;
        feeds[stepNames.cond(layer)] = tensor(cond.subarray(condStart, condStart + batch * 2 * W), [
          batch,
          2 * W,
        ]);
        // The layer's input at t is written by ORT straight into its ring slot.
        fetches[stepNames.layerInput(layer)] = tensor(slot(step), [batch, W]);
      }
      await this.stepSession.run(feeds, fetches);

      if (options.onLogits) {
        for (let b = 0; b < batch; b++)
          options.onLogits(step, order[b], logits.subarray(b * Q, (b + 1) * Q));
      }
      for (let b = 0; b < batch; b++) {
        const k = argmax
          ? argmaxClass(logits, b * Q, Q)
          : sampleClass(logits, b * Q, Q, temperature, rngs[b].next(), scratch);
        audio[b][step] = this.tables.audio[k];
        inputs[b * 3] = inputs[b * 3 + 1];
        inputs[b * 3 + 1] = inputs[b * 3 + 2];
        inputs[b * 3 + 2] = this.tables.input[k];
      }
      step++;
      done += batch;
      options.onProgress?.({ done, total, step, steps, batch });

      if (checkpoint && step < steps) {
        const now = Date.now();
        const bySteps =
          checkpoint.everySteps !== undefined && step - lastSaveStep >= checkpoint.everySteps;
        if (bySteps || now - lastSave >= everyMs) {
          save();
          lastSave = now;
          lastSaveStep = step;
        }
      }
      if (options.signal?.aborted && step < steps) {
        save();
        throw new GenerationAbortedError(checkpoint?.path);
      }
    }
    if (checkpoint && !checkpoint.keep) removeCheckpoint(checkpoint.path);

    const result: Float32Array[] = new Array(Bmax);
    order.forEach((original, position) => {
      result[original] = audio[position];
    });
    return result;
  }

  /** Identifies a job for checkpoints: the model's weights, the streams and every audio-changing option. */
  private jobKey(
    streams: readonly StreamSpec[],
    options: { seed: number; temperature: number; argmax: boolean; extra: string },
  ): string {
    const hash = createHash('sha256');
    hash.update(
      JSON.stringify({
        format: 1,
        model: this.modelFingerprint(),
        precision: this.options.precision ?? 'fp32',
        fusion: this.options.fusion ?? 'concat',
        ...options,
        streams: streams.map((s) => [s.key, s.length, s.embedding.frames]),
      }),
    );
    for (const s of streams) {
      const data = s.embedding.data;
      hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    return hash.digest('hex');
  }

  private modelFingerprint(): string {
    if (this.fingerprint === null) {
      const hash = createHash('sha256');
      hash.update(JSON.stringify(this.config));
      for (const name of [...this.model.weights.keys()].sort()) {
        const tensor = this.model.weights.get(name)!;
        hash.update(`${name}:${tensor.shape.join('x')};`);
        hash.update(
          new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength),
        );
      }
      this.fingerprint = hash.digest('hex');
    }
    return this.fingerprint;
  }

  async dispose(): Promise<void> {
    await this.condSession.release();
    await this.stepSession.release();
  }
}

export function createWaveNetGenerator(
  source: WaveNetSource,
  options: WaveNetGeneratorOptions = {},
): Promise<WaveNetGenerator> {
  return WaveNetGenerator.create(source, options);
}
