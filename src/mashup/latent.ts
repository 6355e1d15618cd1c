/**
 * Operations on embeddings (latent frames): time-stretch, segment extraction, mixing (linear and
 * slerp) and latent noise. All arithmetic runs in float64 in a fixed loop order and is rounded to
 * float32 once, so the same inputs give bit-identical outputs on every run.
 */
import { UsageError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Embedding } from '../types.js';
import type { WeightCurve } from './weights.js';

export const MIX_MODES = ['linear', 'slerp'] as const;
export type MixMode = (typeof MIX_MODES)[number];

/**
 * How a source shorter than the output is read past its end. `pingpong` (the default for new
 * recipes) plays back and forth between the second and the second-to-last frame; `reflect`
 * between the first and the last; `loop` wraps (and clicks at the seam); `error` refuses.
 */
export const FIT_MODES = ['pingpong', 'reflect', 'loop', 'error'] as const;
export type FitMode = (typeof FIT_MODES)[number];

/** Frame count after stretching `frames` by `factor` (> 1 is longer/slower). */
export function stretchedFrames(frames: number, factor: number): number {
  return Math.max(1, Math.round(frames * factor));
}

/**
 * Time-stretch by resampling frames with linear interpolation: output frame j reads the source at
 * position j * (F - 1) / (M - 1), so first and last frames are kept exactly.
 */
export function timeStretchEmbedding(embedding: Embedding, factor: number): Embedding {
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new UsageError(`time-stretch factor must be a positive number, got ${factor}`);
  }
  const { frames, dims, data } = embedding;
  if (frames === 0) throw new UsageError('cannot time-stretch an empty embedding');
  const outFrames = stretchedFrames(frames, factor);
  if (outFrames === frames) return { frames, dims, data: data.slice() };
  const out = new Float32Array(outFrames * dims);
  const scale = outFrames > 1 ? (frames - 1) / (outFrames - 1) : 0;
  for (let j = 0; j < outFrames; j++) {
    const position = j * scale;
    const i0 = Math.min(Math.floor(position), frames - 1);
    const i1 = Math.min(i0 + 1, frames - 1);
    const w = position - i0;
    for (let d = 0; d < dims; d++) {
      out[j * dims + d] = data[i0 * dims + d] * (1 - w) + data[i1 * dims + d] * w;
    }
  }
  return { frames: outFrames, dims, data: out };
}

/** Source frame read at output frame `index` of a segment starting at `offset`. */
export function segmentFrameIndex(
  index: number,
  offset: number,
  sourceFrames: number,
  fit: FitMode,
): number {
  const position = offset + index;
  if (fit === 'pingpong' && sourceFrames >= 4) {
    // Turn before the edge frames, not on them: the encoder pads a ragged end with zeros (and the
    // start with its own padding), so the first and last frames encode a start and an ending, and
    // the step into the last one is often the source's largest. Measured on 18 corpus sources
    // with the default model (scripts/seams.ts): `reflect` clicked at 14 of 18 seams (median
    // +9.1 dB above 4 kHz), this at 5 (median +2.7 dB). Frames 1 … n−2, period 2(n−3).
    // (extractSegment reads a segment that fits in the source as it is.)
    if (position <= sourceFrames - 2) return position;
    const inner = sourceFrames - 2;
    const period = 2 * (inner - 1);
    const p = (position - 1) % period;
    return 1 + (p < inner ? p : period - p);
  }
  if (position < sourceFrames) return position;
  if (fit === 'loop') return position % sourceFrames;
  if (fit === 'reflect' || fit === 'pingpong') {
    // Ping-pong: forward, backward, forward… so the latent path never jumps.
    if (sourceFrames === 1) return 0;
    const period = 2 * (sourceFrames - 1);
    const p = position % period;
    return p < sourceFrames ? p : period - p;
  }
  throw new UsageError(
    `segment needs frame ${position} but the source has only ${sourceFrames} frames`,
  );
}

/** `frames` frames of `embedding` from `offset`, read past the end as `fit` says. */
export function extractSegment(
  embedding: Embedding,
  offset: number,
  frames: number,
  fit: FitMode,
): Embedding {
  const { dims, data } = embedding;
  const out = new Float32Array(frames * dims);
  // A segment that fits in its source is read as it is, whatever the fit (pingpong would
  // otherwise skip the last frame even where nothing needs turning).
  const fits = offset + frames <= embedding.frames;
  for (let j = 0; j < frames; j++) {
    const i = fits ? offset + j : segmentFrameIndex(j, offset, embedding.frames, fit);
    out.set(data.subarray(i * dims, (i + 1) * dims), j * dims);
  }
  return { frames, dims, data: out };
}

function norm(v: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/**
 * Spherical interpolation with linearly interpolated length: the direction moves along the great
 * circle from a to b, the norm is (1 - t)|a| + t|b|. So the result's norm always lies between the
 * two norms (plain slerp of unnormalised vectors can overshoot wildly near opposite directions).
 * Degenerate cases: a zero vector falls back to linear interpolation (same norm rule holds);
 * nearly parallel directions interpolate linearly then renormalise; exactly opposite directions
 * turn through a fixed perpendicular (the axis where a is smallest), so the result is defined.
 */
export function slerp(
  a: Float64Array,
  b: Float64Array,
  t: number,
  out: Float64Array,
): Float64Array {
  const n = a.length;
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) {
    for (let i = 0; i < n; i++) out[i] = a[i] * (1 - t) + b[i] * t;
    return out;
  }
  const length = na * (1 - t) + nb * t;
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (a[i] / na) * (b[i] / nb);
  const cos = Math.max(-1, Math.min(1, dot));
  const omega = Math.acos(cos);
  const sinOmega = Math.sin(omega);
  if (sinOmega > 1e-6) {
    const wa = Math.sin((1 - t) * omega) / sinOmega;
    const wb = Math.sin(t * omega) / sinOmega;
    for (let i = 0; i < n; i++) out[i] = length * (wa * (a[i] / na) + wb * (b[i] / nb));
    return out;
  }
  if (cos > 0) {
    for (let i = 0; i < n; i++) out[i] = (a[i] / na) * (1 - t) + (b[i] / nb) * t;
    const nd = norm(out);
    for (let i = 0; i < n; i++) out[i] = (out[i] / nd) * length;
    return out;
  }
  // Opposite directions: rotate by t * pi through a perpendicular chosen from a alone.
  let axis = 0;
  for (let i = 1; i < n; i++) if (Math.abs(a[i]) < Math.abs(a[axis])) axis = i;
  const perp = new Float64Array(n);
  perp[axis] = 1;
  const proj = a[axis] / na;
  for (let i = 0; i < n; i++) perp[i] -= proj * (a[i] / na);
  const np = norm(perp);
  const c = Math.cos(t * Math.PI);
  const s = Math.sin(t * Math.PI);
  for (let i = 0; i < n; i++) out[i] = length * (c * (a[i] / na) + s * (perp[i] / np));
  return out;
}

/**
 * Mix segments (all `frames` x `dims`) frame by frame with per-frame weights.
 * - linear: sum of weight x source, in source order;
 * - slerp: sequential pairwise slerp in source order: the running mix (weight W so far) moves
 *   towards source s by t = w_s / (W + w_s). For two sources this is slerp(a, b, w_b / (w_a + w_b));
 *   for N sources it is the spherical analogue of a weighted mean. Zero-weight sources are skipped,
 *   and the weights' total is ignored (slerp interpolates lengths, it does not scale them).
 */
export function mixSegments(segments: Embedding[], weights: WeightCurve, mode: MixMode): Embedding {
  if (segments.length === 0) throw new UsageError('nothing to mix: no sources');
  const { frames, dims } = segments[0];
  for (const segment of segments) {
    if (segment.frames !== frames || segment.dims !== dims) {
      throw new UsageError('all mix segments must have the same frames and dims');
    }
  }
  if (weights.frames !== frames || weights.sources !== segments.length) {
    throw new UsageError(
      `weight curve is ${weights.frames}x${weights.sources}, segments are ${frames}x${segments.length}`,
    );
  }
  const sources = segments.length;
  const out = new Float32Array(frames * dims);
  const acc = new Float64Array(dims);
  const next = new Float64Array(dims);
  const tmp = new Float64Array(dims);
  for (let f = 0; f < frames; f++) {
    acc.fill(0);
    if (mode === 'linear') {
      for (let s = 0; s < sources; s++) {
        const w = weights.data[f * sources + s];
        if (w === 0) continue;
        const data = segments[s].data;
        for (let d = 0; d < dims; d++) acc[d] += w * data[f * dims + d];
      }
    } else {
      let total = 0;
      for (let s = 0; s < sources; s++) {
        const w = weights.data[f * sources + s];
        if (w <= 0) continue;
        const data = segments[s].data;
        for (let d = 0; d < dims; d++) next[d] = data[f * dims + d];
        if (total === 0) {
          acc.set(next);
        } else {
          slerp(acc, next, w / (total + w), tmp);
          acc.set(tmp);
        }
        total += w;
      }
    }
    for (let d = 0; d < dims; d++) out[f * dims + d] = acc[d];
  }
  return { frames, dims, data: out };
}

/** Population standard deviation of each dimension over all frames of all the embeddings. */
export function dimensionSpread(embeddings: Embedding[]): Float64Array {
  const dims = embeddings[0].dims;
  const mean = new Float64Array(dims);
  let count = 0;
  for (const e of embeddings) {
    for (let f = 0; f < e.frames; f++) {
      for (let d = 0; d < dims; d++) mean[d] += e.data[f * dims + d];
    }
    count += e.frames;
  }
  for (let d = 0; d < dims; d++) mean[d] /= count;
  const variance = new Float64Array(dims);
  for (const e of embeddings) {
    for (let f = 0; f < e.frames; f++) {
      for (let d = 0; d < dims; d++) {
        const x = e.data[f * dims + d] - mean[d];
        variance[d] += x * x;
      }
    }
  }
  return variance.map((v) => Math.sqrt(v / count));
}

/**
 * "Sampling the latent space": add Gaussian noise scaled per dimension by `spread` (usually the
 * sources' standard deviation) times `amount`. Draws frame by frame, dimension by dimension.
 */
export function addLatentNoise(
  embedding: Embedding,
  spread: Float64Array,
  amount: number,
  rng: Rng,
): Embedding {
  const { frames, dims, data } = embedding;
  const out = new Float32Array(data.length);
  for (let f = 0; f < frames; f++) {
    for (let d = 0; d < dims; d++) {
      const i = f * dims + d;
      out[i] = data[i] + amount * spread[d] * rng.gaussian();
    }
  }
  return { frames, dims, data: out };
}
