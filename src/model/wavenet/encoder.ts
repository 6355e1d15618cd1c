/**
 * Encoding audio to NSynth embeddings on ONNX Runtime.
 *
 * Length: Magenta's `trim_for_encoding` crops a clip to a whole number of hops; we do the same by
 * default (`tail: 'crop'`) and offer `tail: 'pad'` (zero-pad the last partial hop instead).
 *
 * Long clips are encoded in fixed-length windows that overlap by the encoder's receptive field
 * (rounded up to whole frames) on each side; only frames whose whole receptive field lies inside
 * the window (or reaches a real end of the clip) are kept, so the result equals encoding the whole
 * clip at once, while memory stays bounded and windows of many clips share one batched run.
 */
import { CommonsynthError } from '../../errors.js';
import type { Embedding, MonoAudio } from '../../types.js';
import { createSession, ort, type SessionOptions } from '../onnx/session.js';
import type { WaveNetConfig } from '../wavenet-config.js';
import { buildEncoderGraph, encoderHalfReceptiveField, encoderNames } from './encoder-graph.js';
import { resolveWaveNet, type WaveNetSource } from './model.js';

export interface WaveNetEncoderOptions extends SessionOptions {
  /** Window length in frames, margins included (default 128 frames = 65,536 samples). */
  windowFrames?: number;
  /** Windows per ONNX run (default 4). */
  batchSize?: number;
}

export interface EncodeOptions {
  /** What to do with a last partial hop: drop it (Magenta's behaviour, default) or zero-pad it. */
  tail?: 'crop' | 'pad';
}

/** Audio the encoder cannot take: wrong rate, too short, non-finite samples. */
export class EncoderInputError extends CommonsynthError {
  constructor(message: string, file?: string) {
    super('ENCODER_INPUT', message, { file });
  }
}

export type EncoderInput = Float32Array | MonoAudio;

interface Window {
  clip: number;
  /** Sample where the window starts in its clip, its length, and the frames it contributes. */
  start: number;
  length: number;
  keepFrom: number;
  keepTo: number;
}

export class WaveNetEncoder {
  readonly config: WaveNetConfig;
  private readonly margin: number;
  private readonly windowLength: number;
  private readonly batchSize: number;

  private constructor(
    config: WaveNetConfig,
    halfField: number,
    private readonly session: ort.InferenceSession,
    options: WaveNetEncoderOptions,
  ) {
    this.config = config;
    const hop = config.hop;
    this.margin = Math.ceil(halfField / hop) * hop;
    const frames = options.windowFrames ?? 128;
    if (!Number.isInteger(frames) || frames < 1) {
      throw new EncoderInputError(`windowFrames must be a positive integer, got ${frames}`);
    }
    // At least one kept frame between the two margins.
    this.windowLength = Math.max(frames * hop, 2 * this.margin + hop);
    this.batchSize = Math.max(1, options.batchSize ?? 4);
  }

  static async create(
    source: WaveNetSource,
    options: WaveNetEncoderOptions = {},
  ): Promise<WaveNetEncoder> {
    const model = resolveWaveNet(source);
    const session = await createSession(buildEncoderGraph(model), options);
    return new WaveNetEncoder(model.config, encoderHalfReceptiveField(model), session, options);
  }

  /** Embeddings of one clip: `floor(samples / hop)` frames (or the ceiling with tail 'pad'). */
  async encode(audio: EncoderInput, options: EncodeOptions = {}): Promise<Embedding> {
    return (await this.encodeMany([audio], options))[0];
  }

  /** Embeddings of many clips, their windows batched together. */
  async encodeMany(
    clips: readonly EncoderInput[],
    options: EncodeOptions = {},
  ): Promise<Embedding[]> {
    const cfg = this.config;
    const hop = cfg.hop;
    const E = cfg.bottleneckWidth;
    const prepared = clips.map((clip, i) => this.prepare(clip, options.tail ?? 'crop', i));
    const outputs = prepared.map((samples) => ({
      frames: samples.length / hop,
      dims: E,
      data: new Float32Array((samples.length / hop) * E),
    }));

    // Group windows by length: a batch needs one shape.
    const groups = new Map<number, Window[]>();
    prepared.forEach((samples, clip) => {
      for (const w of this.windows(clip, samples.length)) {
        const group = groups.get(w.length) ?? [];
        group.push(w);
        groups.set(w.length, group);
      }
    });
    for (const [length, windows] of groups) {
      for (let first = 0; first < windows.length; first += this.batchSize) {
        const part = windows.slice(first, first + this.batchSize);
        const input = new Float32Array(part.length * length);
        for (const [b, w] of part.entries()) {
          input.set(prepared[w.clip].subarray(w.start, w.start + length), b * length);
        }
        const result = await this.session.run({
          [encoderNames.audio]: new ort.Tensor('float32', input, [part.length, length]),
        });
        const data = result[encoderNames.embeddings].data as Float32Array;
        const framesPerWindow = length / hop;
        part.forEach((w, b) => {
          const from = (b * framesPerWindow + (w.keepFrom - w.start) / hop) * E;
          const to = (b * framesPerWindow + (w.keepTo - w.start) / hop) * E;
          outputs[w.clip].data.set(data.subarray(from, to), (w.keepFrom / hop) * E);
        });
      }
    }
    return outputs;
  }

  private prepare(clip: EncoderInput, tail: 'crop' | 'pad', index: number): Float32Array {
    const cfg = this.config;
    let samples: Float32Array;
    if (clip instanceof Float32Array) {
      samples = clip;
    } else {
      if (clip.sampleRate !== cfg.sampleRate) {
        throw new EncoderInputError(
          `clip ${index}: sample rate ${clip.sampleRate} Hz, the model needs ${cfg.sampleRate} Hz (resample first)`,
        );
      }
      samples = clip.samples;
    }
    for (let i = 0; i < samples.length; i++) {
      if (!Number.isFinite(samples[i])) {
        throw new EncoderInputError(`clip ${index}: non-finite sample at index ${i}`);
      }
    }
    const hop = cfg.hop;
    if (tail === 'pad') {
      const length = Math.max(1, Math.ceil(samples.length / hop)) * hop;
      if (length === samples.length) return samples;
      const padded = new Float32Array(length);
      padded.set(samples);
      return padded;
    }
    const length = Math.floor(samples.length / hop) * hop;
    if (length === 0) {
      throw new EncoderInputError(
        `clip ${index}: ${samples.length} samples is shorter than one frame (${hop} samples)`,
      );
    }
    return samples.subarray(0, length);
  }

  /** Fixed-length windows covering a clip of `total` samples (one window if it is short). */
  private windows(clip: number, total: number): Window[] {
    const n = this.windowLength;
    const m = this.margin;
    if (total <= n) return [{ clip, start: 0, length: total, keepFrom: 0, keepTo: total }];
    const windows: Window[] = [{ clip, start: 0, length: n, keepFrom: 0, keepTo: n - m }];
    let from = n - m;
    while (from < total) {
      const start = from - m;
      if (start + n >= total) {
        windows.push({ clip, start: total - n, length: n, keepFrom: from, keepTo: total });
        break;
      }
      windows.push({ clip, start, length: n, keepFrom: from, keepTo: start + n - m });
      from = start + n - m;
    }
    return windows;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export function createWaveNetEncoder(
  source: WaveNetSource,
  options: WaveNetEncoderOptions = {},
): Promise<WaveNetEncoder> {
  return WaveNetEncoder.create(source, options);
}

/** One-shot: builds an encoder, encodes one clip, releases the encoder. */
export async function encodeAudio(
  source: WaveNetSource,
  audio: EncoderInput,
  options: EncodeOptions & WaveNetEncoderOptions = {},
): Promise<Embedding> {
  const encoder = await createWaveNetEncoder(source, options);
  try {
    return await encoder.encode(audio, options);
  } finally {
    await encoder.dispose();
  }
}
