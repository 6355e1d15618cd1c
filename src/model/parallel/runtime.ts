/**
 * Runtime for 'parallel-ae' packages: an encoder.onnx and a decoder.onnx run whole clips at once
 * on ONNX Runtime (no autoregression, so no seed, no state).
 *
 * The contract (docs/models.md), which any ONNX autoencoder can keep:
 * - encoder: one float32 input, audio at the package's sample rate, [batch, samples] or
 *   [batch, 1, samples], samples a multiple of `hop`; one float32 output, latents
 *   [batch, frames, dims] (or channels-first [batch, dims, frames]), frames = samples / hop.
 * - decoder: one float32 input, latents in the same layout, one float32 output, audio
 *   [batch, samples] or [batch, 1, samples], samples = frames * hop.
 * The layout and rank are read from each graph's declared input/output shapes.
 * - a decoder may take a second input named `noise`, float32 [batch, samples] of white Gaussian
 *   noise (unit variance) that it filters into the sound (model 0.3.0's harmonic-plus-noise decoder).
 *   The runtime draws it from the decode's seed and each stream's name, so the same seed gives the
 *   same audio, bit for bit, and windows of a long stream see one continuous noise.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { createRng, deriveSeed } from '../../random.js';
import type { Embedding } from '../../types.js';
import { createSession, ort, type SessionOptions } from '../onnx/session.js';
import { ModelPackageError, type ParallelPackage } from '../package/index.js';
import { checkStreamNames } from '../stream-names.js';

export interface ParallelRuntimeOptions extends Pick<SessionOptions, 'spinning' | 'optimization'> {
  /** Intra-op threads for each session (default 2: this project's reference machine has 2 cores). */
  threads?: number;
  /**
   * Longest sequence decoded in one run, in frames (default 1024, about 33 s at hop 512). The
   * decoder's memory grows with the length (about 9 MB per second of audio for the shipped model),
   * so longer sequences are decoded in overlapping windows; 0 never splits.
   */
  chunkFrames?: number;
  /** Frames of context each window sees beyond the part it keeps (default 16). */
  contextFrames?: number;
  /** Frames over which neighbouring windows are cross-faded (default 2; at most contextFrames). */
  crossfadeFrames?: number;
}

export interface ParallelDecodeOptions {
  /** Seed of the decoder's noise input (default 0), for decoders that take one. */
  seed?: number;
  /** One distinct name per input, keying its noise (default "stream <index>"). */
  streamNames?: readonly string[];
}

/** The name of the decoder input that takes white noise, when the graph has one. */
export const NOISE_INPUT = 'noise';

/** White Gaussian noise (unit variance) of one stream: the same seed and name give the same noise. */
export function streamNoise(seed: number, name: string, samples: number): Float32Array {
  const rng = createRng(deriveSeed(seed, `decoder noise: ${name}`));
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = rng.gaussian();
  return out;
}

export const DEFAULT_CHUNK_FRAMES = 1024;
export const DEFAULT_CONTEXT_FRAMES = 16;
export const DEFAULT_CROSSFADE_FRAMES = 2;

type LatentLayout = 'frames-first' | 'channels-first';

function declaredShape(meta: ort.InferenceSession.ValueMetadata): ReadonlyArray<number | string> {
  return meta.isTensor ? meta.shape : [];
}

/** Channels-first when the graph declares a fixed `dims` in position 1 and not in position 2. */
function layoutOf(shape: ReadonlyArray<number | string>, dims: number): LatentLayout {
  return shape.length === 3 && shape[1] === dims && shape[2] !== dims
    ? 'channels-first'
    : 'frames-first';
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

export class ParallelAutoencoder {
  readonly hop: number;
  readonly dims: number;
  readonly sampleRate: number;
  private readonly encoderAudioRank: number;
  private readonly decoderLatentLayout: LatentLayout;
  /** Breaks the tie when frames == dims and the output shape alone cannot tell the layout. */
  private readonly encoderLatentLayout: LatentLayout;
  private readonly chunkFrames: number;
  private readonly contextFrames: number;
  private readonly crossfadeFrames: number;
  /** The decoder's latents input, and its noise input when it takes one. */
  private readonly latentInput: string;
  private readonly noiseInput: string | undefined;

  private constructor(
    readonly pkg: ParallelPackage,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    options: ParallelRuntimeOptions,
  ) {
    this.chunkFrames = options.chunkFrames ?? DEFAULT_CHUNK_FRAMES;
    this.contextFrames = options.contextFrames ?? DEFAULT_CONTEXT_FRAMES;
    // A cross-fade needs context on both sides of its seam and must fit inside one window.
    this.crossfadeFrames = Math.min(
      options.crossfadeFrames ?? DEFAULT_CROSSFADE_FRAMES,
      this.contextFrames,
      this.chunkFrames,
    );
    for (const [what, value] of [
      ['chunkFrames', this.chunkFrames],
      ['contextFrames', this.contextFrames],
      ['crossfadeFrames', this.crossfadeFrames],
    ] as const) {
      if (!Number.isInteger(value) || value < 0) {
        throw new UsageError(`${what} must be a non-negative integer, got ${value}`);
      }
    }
    this.hop = pkg.config.hop;
    this.dims = pkg.config.embeddingDims;
    this.sampleRate = pkg.config.sampleRate;
    this.encoderAudioRank = declaredShape(encoder.inputMetadata[0]).length === 3 ? 3 : 2;
    const latentIndex = decoder.inputNames.findIndex((name) => name !== NOISE_INPUT);
    this.latentInput = decoder.inputNames[latentIndex];
    this.noiseInput = decoder.inputNames.includes(NOISE_INPUT) ? NOISE_INPUT : undefined;
    this.decoderLatentLayout = layoutOf(
      declaredShape(decoder.inputMetadata[latentIndex]),
      this.dims,
    );
    this.encoderLatentLayout = layoutOf(declaredShape(encoder.outputMetadata[0]), this.dims);
  }

  /** Opens both graphs of a loaded parallel-ae package. */
  static async open(
    pkg: ParallelPackage,
    options: ParallelRuntimeOptions = {},
  ): Promise<ParallelAutoencoder> {
    const sessionOptions: SessionOptions = {
      threads: options.threads ?? 2,
      spinning: options.spinning,
      optimization: options.optimization,
    };
    const open = async (path: string, role: string): Promise<ort.InferenceSession> => {
      let session: ort.InferenceSession;
      try {
        session = await createSession(new Uint8Array(await readFile(path)), sessionOptions);
      } catch (error) {
        throw new ModelPackageError(
          `${path}: ONNX Runtime cannot load the ${role} (${(error as Error).message})`,
          { file: path, cause: error },
        );
      }
      const inputs = session.inputNames;
      const inputsOk =
        inputs.length === 1 ||
        (role === 'decoder' && inputs.length === 2 && inputs.includes(NOISE_INPUT));
      if (!inputsOk || session.outputNames.length < 1) {
        const names = `inputs [${inputs}], outputs [${session.outputNames}]`;
        await session.release();
        const expected =
          role === 'decoder'
            ? 'one input (latents), optionally a second named "noise", and one output'
            : 'exactly one input and one output';
        throw new ModelPackageError(`${path}: the ${role} must have ${expected}, it has ${names}`, {
          file: path,
        });
      }
      return session;
    };
    const encoder = await open(pkg.encoderPath, 'encoder');
    try {
      const decoder = await open(pkg.decoderPath, 'decoder');
      return new ParallelAutoencoder(pkg, encoder, decoder, options);
    } catch (error) {
      await encoder.release();
      throw error;
    }
  }

  /**
   * Latents of each clip: `ceil(samples / hop)` frames (a ragged end is zero-padded to a whole
   * hop). Clips of equal padded length run as one batch; clips longer than `chunkFrames` frames
   * are encoded in windows with `contextFrames` of context on each side, keeping the centres.
   */
  async encode(clips: readonly Float32Array[]): Promise<Embedding[]> {
    return this.longApartShortTogether(
      clips,
      (clip) => Math.ceil(clip.length / this.hop),
      (clip) => this.encodeLong(clip),
      (short) => this.encodeBatch(short),
    );
  }

  /**
   * Inputs over `chunkFrames` frames one at a time through `long` (windowed, bounded memory), the
   * rest together through `batch`; results in input order.
   */
  private async longApartShortTogether<In, Out>(
    inputs: readonly In[],
    framesOf: (input: In) => number,
    long: (input: In) => Promise<Out>,
    batch: (short: In[]) => Promise<Out[]>,
  ): Promise<Out[]> {
    const out: Out[] = new Array(inputs.length);
    const short: number[] = [];
    for (const [i, input] of inputs.entries()) {
      if (this.chunkFrames > 0 && framesOf(input) > this.chunkFrames) out[i] = await long(input);
      else short.push(i);
    }
    const done = await batch(short.map((i) => inputs[i]));
    short.forEach((i, k) => {
      out[i] = done[k];
    });
    return out;
  }

  private async encodeLong(clip: Float32Array): Promise<Embedding> {
    const hop = this.hop;
    const frames = Math.ceil(clip.length / hop);
    const data = new Float32Array(frames * this.dims);
    for (let start = 0; start < frames; start += this.chunkFrames) {
      const end = Math.min(frames, start + this.chunkFrames);
      const from = Math.max(0, start - this.contextFrames);
      const to = Math.min(frames, end + this.contextFrames);
      // subarray stops at the clip's end; encodeBatch zero-pads the ragged last hop as one run would.
      const [window] = await this.encodeBatch([clip.subarray(from * hop, to * hop)]);
      data.set(
        window.data.subarray((start - from) * this.dims, (end - from) * this.dims),
        start * this.dims,
      );
    }
    return { frames, dims: this.dims, data };
  }

  private async encodeBatch(clips: readonly Float32Array[]): Promise<Embedding[]> {
    const out: Embedding[] = new Array(clips.length);
    for (const group of groupBy(clips.map((c) => Math.max(1, Math.ceil(c.length / this.hop))))) {
      const frames = group.key;
      const samples = frames * this.hop;
      const batch = new Float32Array(group.indices.length * samples);
      group.indices.forEach((clipIndex, b) => {
        batch.set(clips[clipIndex], b * samples);
      });
      const dims =
        this.encoderAudioRank === 3
          ? [group.indices.length, 1, samples]
          : [group.indices.length, samples];
      const result = await this.run(
        this.encoder,
        { [this.encoder.inputNames[0]]: new ort.Tensor('float32', batch, dims) },
        'encoder',
      );
      const latents = this.readLatents(result, group.indices.length, frames);
      group.indices.forEach((clipIndex, b) => {
        out[clipIndex] = latents[b];
      });
    }
    return out;
  }

  /**
   * Audio of each embedding: `frames * hop` samples. Equal-length embeddings run as one batch;
   * sequences longer than `chunkFrames` are decoded in windows (see decodeLong).
   */
  /** True when the decoder filters a noise input, so the decode's seed matters. */
  get takesNoise(): boolean {
    return this.noiseInput !== undefined;
  }

  async decode(
    embeddings: readonly Embedding[],
    options: ParallelDecodeOptions = {},
  ): Promise<Float32Array[]> {
    const seed = options.seed ?? 0;
    const names = options.streamNames;
    checkStreamNames(names, embeddings.length);
    for (const e of embeddings) {
      if (e.dims !== this.dims || e.data.length !== e.frames * e.dims || e.frames < 1) {
        throw new ModelPackageError(
          `${this.pkg.decoderPath}: embeddings must be [frames >= 1, ${this.dims}], got [${e.frames}, ${e.dims}] with ${e.data.length} values`,
          { file: this.pkg.decoderPath },
        );
      }
    }
    const streams = embeddings.map((embedding, i) => ({
      embedding,
      noise: this.noiseInput
        ? streamNoise(seed, names?.[i] ?? `stream ${i}`, embedding.frames * this.hop)
        : undefined,
    }));
    return this.longApartShortTogether(
      streams,
      (s) => s.embedding.frames,
      (s) => this.decodeLong(s),
      (short) => this.decodeBatch(short),
    );
  }

  /**
   * A long sequence in windows of `chunkFrames` kept frames plus `contextFrames` of context on
   * each side (so each kept frame sees what it would see in one run, when the decoder's
   * receptive field is within the context), one window at a time to bound memory. Neighbouring
   * windows overlap by `crossfadeFrames` around each seam and are joined with a linear
   * cross-fade: parts the two windows compute alike stay exact, parts that differ (a decoder's
   * position-dependent noise, say) blend without a click.
   */
  private async decodeLong(stream: DecodeStream): Promise<Float32Array> {
    const e = stream.embedding;
    const hop = this.hop;
    const out = new Float32Array(e.frames * hop);
    const half = Math.floor((this.crossfadeFrames * hop) / 2);
    for (let start = 0; start < e.frames; start += this.chunkFrames) {
      const end = Math.min(e.frames, start + this.chunkFrames);
      const from = Math.max(0, start - this.contextFrames);
      const to = Math.min(e.frames, end + this.contextFrames);
      const [audio] = await this.decodeBatch([
        {
          embedding: {
            frames: to - from,
            dims: e.dims,
            data: e.data.subarray(from * e.dims, to * e.dims),
          },
          noise: stream.noise?.subarray(from * hop, to * hop),
        },
      ]);
      // This window owns [start, end) plus half a cross-fade on each inner seam.
      const fadeIn = start > 0 ? half : 0;
      const fadeOut = end < e.frames ? half : 0;
      const first = start * hop - fadeIn;
      const last = end * hop + fadeOut;
      for (let t = first; t < last; t++) {
        let weight = 1;
        if (t < start * hop + fadeIn) weight = (t - first + 0.5) / (2 * fadeIn);
        else if (t >= end * hop - fadeOut) weight = (last - t - 0.5) / (2 * fadeOut);
        out[t] += weight * audio[t - from * hop];
      }
    }
    return out;
  }

  private async decodeBatch(streams: readonly DecodeStream[]): Promise<Float32Array[]> {
    const embeddings = streams.map((s) => s.embedding);
    const out: Float32Array[] = new Array(embeddings.length);
    for (const group of groupBy(embeddings.map((e) => e.frames))) {
      const frames = group.key;
      const size = frames * this.dims;
      const batch = new Float32Array(group.indices.length * size);
      group.indices.forEach((i, b) => {
        const data =
          this.decoderLatentLayout === 'channels-first'
            ? transpose(embeddings[i].data, frames, this.dims)
            : embeddings[i].data;
        batch.set(data, b * size);
      });
      const dims =
        this.decoderLatentLayout === 'channels-first'
          ? [group.indices.length, this.dims, frames]
          : [group.indices.length, frames, this.dims];
      const samples = frames * this.hop;
      const feeds: Record<string, ort.Tensor> = {
        [this.latentInput]: new ort.Tensor('float32', batch, dims),
      };
      if (this.noiseInput) {
        const noise = new Float32Array(group.indices.length * samples);
        group.indices.forEach((i, b) => {
          const own = streams[i].noise;
          if (own) noise.set(own, b * samples);
        });
        feeds[this.noiseInput] = new ort.Tensor('float32', noise, [group.indices.length, samples]);
      }
      const result = await this.run(this.decoder, feeds, 'decoder');
      const expected = group.indices.length * samples;
      if (result.data.length !== expected) {
        throw new ModelPackageError(
          `${this.pkg.decoderPath}: the decoder returned shape [${result.dims}] for ${frames} frames; the contract is ${samples} samples per item (frames x hop ${this.hop})`,
          { file: this.pkg.decoderPath },
        );
      }
      group.indices.forEach((i, b) => {
        out[i] = result.data.slice(b * samples, (b + 1) * samples);
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.encoder.release();
    await this.decoder.release();
  }

  private async run(
    session: ort.InferenceSession,
    feeds: Record<string, ort.Tensor>,
    role: string,
  ): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const path = role === 'encoder' ? this.pkg.encoderPath : this.pkg.decoderPath;
    let output: ort.Tensor;
    try {
      const results = await session.run(feeds);
      output = results[session.outputNames[0]] as ort.Tensor;
    } catch (error) {
      const shapes = Object.values(feeds)
        .map((t) => `[${t.dims}]`)
        .join(', ');
      throw new ModelPackageError(
        `${path}: the ${role} failed on input ${shapes} (${(error as Error).message})`,
        { file: path, cause: error },
      );
    }
    if (output.type !== 'float32') {
      throw new ModelPackageError(
        `${path}: the ${role} output is ${output.type}, expected float32`,
        {
          file: path,
        },
      );
    }
    return { data: output.data as Float32Array, dims: output.dims };
  }

  private readLatents(
    result: { data: Float32Array; dims: readonly number[] },
    batch: number,
    frames: number,
  ): Embedding[] {
    const [b, a, c] = result.dims;
    const path = this.pkg.encoderPath;
    const framesFirst = result.dims.length === 3 && b === batch && a === frames && c === this.dims;
    const channelsFirst =
      result.dims.length === 3 && b === batch && a === this.dims && c === frames;
    let layout: LatentLayout;
    if (framesFirst && channelsFirst) layout = this.encoderLatentLayout;
    else if (framesFirst) layout = 'frames-first';
    else if (channelsFirst) layout = 'channels-first';
    else {
      throw new ModelPackageError(
        `${path}: the encoder returned shape [${result.dims}]; the contract is [${batch}, ${frames}, ${this.dims}] (batch, samples / hop ${this.hop}, embeddingDims)`,
        { file: path },
      );
    }
    const size = frames * this.dims;
    const out: Embedding[] = [];
    for (let i = 0; i < batch; i++) {
      const slice = result.data.slice(i * size, (i + 1) * size);
      out.push({
        frames,
        dims: this.dims,
        data: layout === 'channels-first' ? transpose(slice, this.dims, frames) : slice,
      });
    }
    return out;
  }
}

/** One sequence to decode, with its share of the noise input when the decoder takes one. */
interface DecodeStream {
  embedding: Embedding;
  noise: Float32Array | undefined;
}

/** Indices grouped by an integer key (equal lengths batch together), keys in first-seen order. */
function groupBy(keys: readonly number[]): Array<{ key: number; indices: number[] }> {
  const groups = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  return [...groups].map(([key, indices]) => ({ key, indices }));
}
