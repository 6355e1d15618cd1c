/**
 * Independent plain-TypeScript references for the WaveNet tests: a small preset, random weights,
 * and naive full-sequence (teacher-forced) decoder and encoder written straight from Magenta's
 * description with explicit loops. They share no code with src/model/wavenet.
 */
import { randomWaveNetWeights } from '../../src/model/random-weights.js';
import type { WeightMap } from '../../src/model/tensor.js';
import type { WaveNetConfig } from '../../src/model/wavenet-config.js';
import type { Embedding } from '../../src/types.js';

/** Width 16, skip 16, two stages of three layers (dilations 1,2,4,1,2,4), hop 64. */
export const SMALL: WaveNetConfig = {
  family: 'wavenet-ae',
  sampleRate: 16000,
  hop: 64,
  filterLength: 3,
  numLayers: 6,
  numStages: 3,
  width: 16,
  skipWidth: 16,
  aeNumLayers: 6,
  aeNumStages: 3,
  aeWidth: 16,
  bottleneckWidth: 16,
  quantizationChannels: 256,
};

export function smallModel(seed = 7): { config: WaveNetConfig; weights: WeightMap } {
  return { config: SMALL, weights: randomWaveNetWeights(SMALL, seed) };
}

/** Deterministic pseudo-random values in [-amp, amp) (a different generator from the weights'). */
export function noise(n: number, seed: number, amp = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 4294967296) * 2 * amp - amp;
  }
  return out;
}

export function randomEmbedding(frames: number, seed: number): Embedding {
  return { frames, dims: 16, data: noise(frames * 16, seed, 1) };
}

function get(weights: WeightMap, name: string): Float32Array {
  const t = weights.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t.data;
}

/** floor(128 * sign(x) * ln(1 + 255|x|) / ln(256)) / 128, the network input. */
function muLawScaled(x: number): number {
  const y = (Math.sign(x) * Math.log(1 + 255 * Math.abs(x))) / Math.log(256);
  return Math.floor(128 * y) / 128;
}

/**
 * Causal conv over a [T][Cin] sequence with kernel [1,k,Cin,Cout]: tap j reads t-(k-1-j)*d,
 * zeros before the start.
 */
function causalConv(
  x: Float64Array[],
  w: Float32Array,
  b: Float32Array,
  k: number,
  cin: number,
  cout: number,
  d: number,
): Float64Array[] {
  return x.map((_, t) => {
    const y = new Float64Array(cout);
    for (let o = 0; o < cout; o++) y[o] = b[o];
    for (let j = 0; j < k; j++) {
      const src = t - (k - 1 - j) * d;
      if (src < 0) continue;
      for (let c = 0; c < cin; c++) {
        const v = x[src][c];
        for (let o = 0; o < cout; o++) y[o] += w[(j * cin + c) * cout + o] * v;
      }
    }
    return y;
  });
}

function dense(x: Float64Array, w: Float32Array, b: Float32Array, cin: number, cout: number) {
  const y = new Float64Array(cout);
  for (let o = 0; o < cout; o++) y[o] = b[o];
  for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) y[o] += w[c * cout + o] * x[c];
  return y;
}

/**
 * Teacher-forced logits [T][Q] of the decoder for the audio `audio` (the generated samples):
 * the network input at t is mu_law(audio[t-1])/128 (shift right), 0 at t = 0.
 */
export function naiveDecoderLogits(
  cfg: WaveNetConfig,
  weights: WeightMap,
  embedding: Embedding,
  audio: Float32Array,
): Float64Array[] {
  const T = audio.length;
  const W = cfg.width;
  const S = cfg.skipWidth;
  const E = cfg.bottleneckWidth;
  const input = Array.from({ length: T }, (_, t) =>
    Float64Array.of(t === 0 ? 0 : muLawScaled(audio[t - 1])),
  );
  const frameOf = (t: number) => {
    const f = Math.min(Math.floor(t / cfg.hop), embedding.frames - 1);
    return Float64Array.from(embedding.data.subarray(f * E, (f + 1) * E));
  };
  let l = causalConv(
    input,
    get(weights, 'startconv/W'),
    get(weights, 'startconv/biases'),
    3,
    1,
    W,
    1,
  );
  let s = l.map((v) =>
    dense(v, get(weights, 'skip_start/W'), get(weights, 'skip_start/biases'), W, S),
  );
  for (let i = 1; i <= cfg.numLayers; i++) {
    const d = 2 ** ((i - 1) % cfg.numStages);
    const conv = causalConv(
      l,
      get(weights, `dilatedconv_${i}/W`),
      get(weights, `dilatedconv_${i}/biases`),
      3,
      W,
      2 * W,
      d,
    );
    const z = conv.map((v, t) => {
      const c = dense(
        frameOf(t),
        get(weights, `cond_map_${i}/W`),
        get(weights, `cond_map_${i}/biases`),
        E,
        2 * W,
      );
      const out = new Float64Array(W);
      for (let o = 0; o < W; o++) {
        const a = v[o] + c[o];
        const g = v[W + o] + c[W + o];
        out[o] = (1 / (1 + Math.exp(-a))) * Math.tanh(g);
      }
      return out;
    });
    l = l.map((v, t) => {
      const r = dense(z[t], get(weights, `res_${i}/W`), get(weights, `res_${i}/biases`), W, W);
      return v.map((x, o) => x + r[o]);
    });
    s = s.map((v, t) => {
      const k = dense(z[t], get(weights, `skip_${i}/W`), get(weights, `skip_${i}/biases`), W, S);
      return v.map((x, o) => x + k[o]);
    });
  }
  const Q = cfg.quantizationChannels;
  return s.map((v, t) => {
    const relu = v.map((x) => Math.max(0, x));
    const h = dense(relu, get(weights, 'out1/W'), get(weights, 'out1/biases'), S, S);
    const c = dense(
      frameOf(t),
      get(weights, 'cond_map_out1/W'),
      get(weights, 'cond_map_out1/biases'),
      E,
      S,
    );
    const hidden = h.map((x, o) => Math.max(0, x + c[o]));
    return dense(hidden, get(weights, 'logits/W'), get(weights, 'logits/biases'), S, Q);
  });
}

/** Non-causal SAME conv: tap j reads t+(j-(k-1)/2)*d, zeros outside [0, T). */
function sameConv(
  x: Float64Array[],
  w: Float32Array,
  b: Float32Array,
  k: number,
  cin: number,
  cout: number,
  d: number,
): Float64Array[] {
  const T = x.length;
  return x.map((_, t) => {
    const y = new Float64Array(cout);
    for (let o = 0; o < cout; o++) y[o] = b[o];
    for (let j = 0; j < k; j++) {
      const src = t + (j - (k - 1) / 2) * d;
      if (src < 0 || src >= T) continue;
      for (let c = 0; c < cin; c++) {
        const v = x[src][c];
        for (let o = 0; o < cout; o++) y[o] += w[(j * cin + c) * cout + o] * v;
      }
    }
    return y;
  });
}

/** The encoder on a whole clip (length a multiple of hop): [T/hop][E] as an Embedding. */
export function naiveEncoder(
  cfg: WaveNetConfig,
  weights: WeightMap,
  audio: Float32Array,
): Embedding {
  const C = cfg.aeWidth;
  const E = cfg.bottleneckWidth;
  const input = Array.from(audio, (x) => Float64Array.of(muLawScaled(x)));
  let en = sameConv(
    input,
    get(weights, 'ae_startconv/W'),
    get(weights, 'ae_startconv/biases'),
    3,
    1,
    C,
    1,
  );
  for (let i = 1; i <= cfg.aeNumLayers; i++) {
    const d = 2 ** ((i - 1) % cfg.aeNumStages);
    const relu = en.map((v) => v.map((x) => Math.max(0, x)));
    const h = sameConv(
      relu,
      get(weights, `ae_dilatedconv_${i}/W`),
      get(weights, `ae_dilatedconv_${i}/biases`),
      3,
      C,
      C,
      d,
    ).map((v) => v.map((x) => Math.max(0, x)));
    en = en.map((v, t) => {
      const r = dense(
        h[t],
        get(weights, `ae_res_${i}/W`),
        get(weights, `ae_res_${i}/biases`),
        C,
        C,
      );
      return v.map((x, o) => x + r[o]);
    });
  }
  const bottleneck = en.map((v) =>
    dense(v, get(weights, 'ae_bottleneck/W'), get(weights, 'ae_bottleneck/biases'), C, E),
  );
  const frames = Math.floor(audio.length / cfg.hop);
  const data = new Float64Array(frames * E);
  for (let f = 0; f < frames; f++) {
    for (let t = f * cfg.hop; t < (f + 1) * cfg.hop; t++) {
      for (let e = 0; e < E; e++) data[f * E + e] += bottleneck[t][e] / cfg.hop;
    }
  }
  return { frames, dims: E, data: Float32Array.from(data) };
}
