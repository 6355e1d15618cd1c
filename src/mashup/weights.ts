/**
 * Interpolation weight curves: for every output frame, one weight per source.
 *
 * Two ways to describe them, both plain JSON stored in a recipe:
 * - a cross-fade schedule (the original system's `cross_fade`, generalised to N sources): one source
 *   plays alone, then fades into another over a drawn number of frames, holds, fades again…;
 * - keyframes: explicit weights at chosen frames, eased in between and normalised to sum to one.
 */
import type { Rng } from '../random.js';
import { type FadeShape, fadeInGain, fadeOutGain, fadePosition } from './fades.js';

/** One fade of a schedule: from the source playing before `start` to `to`, over `frames` frames. */
export interface ScheduledFade {
  /** First frame of the fade. */
  start: number;
  /** Length of the fade in frames (>= 1). The fade may run past the end of the output. */
  frames: number;
  /** Source index faded out (the one playing before `start`). */
  from: number;
  /** Source index faded in. */
  to: number;
}

export interface CrossfadeWeights {
  type: 'crossfade';
  shape: FadeShape;
  /** The source playing alone at frame 0. */
  initial: number;
  /** In time order, not overlapping: each starts at or after the end of the previous one. */
  fades: ScheduledFade[];
}

export const KEYFRAME_EASINGS = ['linear', 'raised-cosine'] as const;
export type KeyframeEasing = (typeof KEYFRAME_EASINGS)[number];

export interface WeightKeyframe {
  frame: number;
  /** One non-negative weight per source; normalised to sum to one when used. */
  weights: number[];
}

export interface KeyframeWeights {
  type: 'keyframes';
  easing: KeyframeEasing;
  /** Frames strictly increasing. Before the first and after the last, weights hold. */
  keyframes: WeightKeyframe[];
}

export type WeightSpec = CrossfadeWeights | KeyframeWeights;

/** Per-frame weights, row-major `frames` x `sources`. */
export interface WeightCurve {
  frames: number;
  sources: number;
  data: Float64Array;
}

export interface ScheduleBounds {
  /** Output length in frames. */
  frames: number;
  /** Number of sources (>= 2 for any fade to happen). */
  sources: number;
  /** Frames one source plays alone before the next fade starts: inclusive range. */
  holdFrames: { min: number; max: number };
  /** Fade length in frames: inclusive range, min >= 1. */
  fadeFrames: { min: number; max: number };
  shape: FadeShape;
}

/**
 * Draw a cross-fade schedule: start on a random source, hold it for a random interval, fade into
 * a random other source over a random length, and repeat until the output ends. Draw order: the
 * initial source, then for each fade its hold, its length and its target.
 */
export function drawCrossfadeSchedule(rng: Rng, bounds: ScheduleBounds): CrossfadeWeights {
  const { frames, sources, holdFrames, fadeFrames, shape } = bounds;
  const initial = rng.int(0, sources - 1);
  const fades: ScheduledFade[] = [];
  let current = initial;
  let position = 0;
  if (sources >= 2) {
    for (;;) {
      const start = position + rng.int(holdFrames.min, holdFrames.max);
      if (start >= frames) break;
      const length = rng.int(fadeFrames.min, fadeFrames.max);
      // Any source but the current one, uniformly.
      let to = rng.int(0, sources - 2);
      if (to >= current) to += 1;
      fades.push({ start, frames: length, from: current, to });
      current = to;
      position = start + length;
    }
  }
  return { type: 'crossfade', shape, initial, fades };
}

/** The per-frame weights a spec describes, for `frames` output frames and `sources` sources. */
export function weightCurve(spec: WeightSpec, frames: number, sources: number): WeightCurve {
  return spec.type === 'crossfade'
    ? crossfadeCurve(spec, frames, sources)
    : keyframeCurve(spec, frames, sources);
}

function crossfadeCurve(spec: CrossfadeWeights, frames: number, sources: number): WeightCurve {
  const data = new Float64Array(frames * sources);
  let current = spec.initial;
  let frame = 0;
  const hold = (until: number, source: number) => {
    for (; frame < Math.min(until, frames); frame++) data[frame * sources + source] = 1;
  };
  for (const fade of spec.fades) {
    hold(fade.start, current);
    for (let i = 0; i < fade.frames && frame < frames; i++, frame++) {
      const t = fadePosition(i, fade.frames);
      data[frame * sources + fade.from] = fadeOutGain(spec.shape, t);
      data[frame * sources + fade.to] = fadeInGain(spec.shape, t);
    }
    current = fade.to;
  }
  hold(frames, current);
  return { frames, sources, data };
}

function ease(easing: KeyframeEasing, t: number): number {
  return easing === 'linear' ? t : fadeInGain('raised-cosine', t);
}

function keyframeCurve(spec: KeyframeWeights, frames: number, sources: number): WeightCurve {
  const data = new Float64Array(frames * sources);
  const keys = spec.keyframes;
  let k = 0;
  const raw = new Float64Array(sources);
  for (let frame = 0; frame < frames; frame++) {
    while (k + 1 < keys.length && keys[k + 1].frame <= frame) k++;
    const a = keys[k];
    const b = keys[k + 1];
    if (frame <= a.frame || b === undefined) {
      for (let s = 0; s < sources; s++) raw[s] = a.weights[s];
    } else {
      const t = ease(spec.easing, (frame - a.frame) / (b.frame - a.frame));
      for (let s = 0; s < sources; s++) raw[s] = a.weights[s] + (b.weights[s] - a.weights[s]) * t;
    }
    let sum = 0;
    for (let s = 0; s < sources; s++) sum += raw[s];
    for (let s = 0; s < sources; s++) data[frame * sources + s] = raw[s] / sum;
  }
  return { frames, sources, data };
}
