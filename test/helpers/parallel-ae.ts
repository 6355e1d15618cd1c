/**
 * Tiny 'parallel-ae' packages for tests, built in TypeScript with the project's ONNX graph
 * builder: a linear frame encoder (latents = frames · E + b) and a tanh frame decoder
 * (audio = tanh(latents · D)), small enough to recompute by hand in the test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from '../../src/model/onnx/graph.js';

export interface TinyParallelWeights {
  hop: number;
  dims: number;
  /** [hop, dims] row-major. */
  encoder: Float32Array;
  /** [dims]. */
  encoderBias: Float32Array;
  /** [dims, hop] row-major. */
  decoder: Float32Array;
}

export interface TinyParallelOptions {
  hop?: number;
  dims?: number;
  seed?: number;
  /** Audio [batch, 1, samples] and latents [batch, dims, frames], as e.g. RAVE exports them. */
  channelsFirst?: boolean;
  name?: string;
  /** A decoder with a second input `noise` [batch, samples], added to its output × noiseGain. */
  noiseGain?: number;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

export function tinyParallelWeights(hop = 64, dims = 4, seed = 1): TinyParallelWeights {
  const r = lcg(seed);
  const scale = 1 / Math.sqrt(hop);
  return {
    hop,
    dims,
    encoder: Float32Array.from({ length: hop * dims }, () => r() * scale * 4),
    encoderBias: Float32Array.from({ length: dims }, () => r() * 0.1),
    decoder: Float32Array.from({ length: dims * hop }, () => r()),
  };
}

function encoderGraph(w: TinyParallelWeights, channelsFirst: boolean): Uint8Array {
  const g = new GraphBuilder('tiny_encoder');
  const audio = g.input(
    'audio',
    'float32',
    channelsFirst ? ['batch', 1, 'samples'] : ['batch', 'samples'],
  );
  const framed = g.node('Reshape', [audio, g.int64([0, -1, w.hop])]);
  const projected = g.node('MatMul', [framed, g.float(w.encoder, [w.hop, w.dims])]);
  const biased = g.node('Add', [projected, g.float(w.encoderBias, [w.dims])]);
  if (channelsFirst) {
    g.node('Transpose', [biased], { perm: [0, 2, 1] }, { output: 'latents' });
    g.output('latents', 'float32', ['batch', w.dims, 'frames']);
  } else {
    g.node('Identity', [biased], {}, { output: 'latents' });
    g.output('latents', 'float32', ['batch', 'frames', w.dims]);
  }
  return g.toBytes();
}

function decoderGraph(
  w: TinyParallelWeights,
  channelsFirst: boolean,
  noiseGain: number | undefined,
): Uint8Array {
  const g = new GraphBuilder('tiny_decoder');
  let latents = g.input(
    'latents',
    'float32',
    channelsFirst ? ['batch', w.dims, 'frames'] : ['batch', 'frames', w.dims],
  );
  if (channelsFirst) latents = g.node('Transpose', [latents], { perm: [0, 2, 1] });
  const frames = g.node('Tanh', [g.node('MatMul', [latents, g.float(w.decoder, [w.dims, w.hop])])]);
  const flat = g.node('Reshape', [frames, g.int64([0, -1])]);
  let audio = flat;
  if (noiseGain !== undefined) {
    const noise = g.input('noise', 'float32', ['batch', 'samples']);
    audio = g.node('Add', [flat, g.node('Mul', [noise, g.float(Float32Array.of(noiseGain), [])])]);
  }
  g.node(
    'Reshape',
    [audio, g.int64(channelsFirst ? [0, 1, -1] : [0, -1])],
    {},
    { output: 'audio' },
  );
  g.output('audio', 'float32', channelsFirst ? ['batch', 1, 'samples'] : ['batch', 'samples']);
  return g.toBytes();
}

/** Writes a complete parallel-ae package folder and returns its weights for reference maths. */
export async function writeTinyParallelPackage(
  dir: string,
  options: TinyParallelOptions = {},
): Promise<TinyParallelWeights> {
  const w = tinyParallelWeights(options.hop, options.dims, options.seed);
  const channelsFirst = options.channelsFirst ?? false;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'encoder.onnx'), encoderGraph(w, channelsFirst));
  await writeFile(join(dir, 'decoder.onnx'), decoderGraph(w, channelsFirst, options.noiseGain));
  const config = {
    format: 'commonsynth-model',
    formatVersion: 1,
    name: options.name ?? 'tiny-parallel',
    version: '0.0.0',
    family: 'parallel-ae',
    sampleRate: 16000,
    hop: w.hop,
    embeddingDims: w.dims,
    hyperparameters: { kind: 'linear test model' },
    credits: { trainingData: [], model: 'random test weights', license: 'CC0-1.0' },
    files: { encoder: 'encoder.onnx', decoder: 'decoder.onnx' },
  };
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return w;
}

/** Reference maths in float64: latents of one clip (zero-padded to whole hops). */
export function referenceEncode(w: TinyParallelWeights, clip: Float32Array): Float64Array {
  const frames = Math.max(1, Math.ceil(clip.length / w.hop));
  const out = new Float64Array(frames * w.dims);
  for (let f = 0; f < frames; f++) {
    for (let d = 0; d < w.dims; d++) {
      let acc = w.encoderBias[d];
      for (let k = 0; k < w.hop; k++) {
        const i = f * w.hop + k;
        acc += (i < clip.length ? clip[i] : 0) * w.encoder[k * w.dims + d];
      }
      out[f * w.dims + d] = acc;
    }
  }
  return out;
}

export function referenceDecode(
  w: TinyParallelWeights,
  latents: Float32Array,
  frames: number,
): Float64Array {
  const out = new Float64Array(frames * w.hop);
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < w.hop; k++) {
      let acc = 0;
      for (let d = 0; d < w.dims; d++) acc += latents[f * w.dims + d] * w.decoder[d * w.hop + k];
      out[f * w.hop + k] = Math.tanh(acc);
    }
  }
  return out;
}
