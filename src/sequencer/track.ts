/**
 * The sequencer: stitches clips (mono, one sample rate) into a track of an exact length, drawing
 * the order, overlaps and gaps from a seed. Every clip edge is faded, overlaps are cross-faded
 * (equal-power by default), joins can snap to a tempo grid, and the master is peak-safe.
 */
import {
  gainToLufs,
  integratedLoudness,
  measureLoudness,
  shortTermLoudness,
} from '../audio/loudness.js';
import { UsageError } from '../errors.js';
import { type FadeShape, fadeInGain, fadeOutGain, fadePosition } from '../mashup/index.js';
import { assertSeed, createRng, deriveSeed, type Rng } from '../random.js';
import { masterTruePeak } from './master.js';

export const MASTER_MODES = ['limiter', 'normalize', 'none'] as const;
export type MasterMode = (typeof MASTER_MODES)[number];

export interface TempoGrid {
  bpm: number;
  /** Beats per bar (default 4). */
  beatsPerBar?: number;
  /** Snap clip starts to beats or to bars (default beat). */
  snap?: 'beat' | 'bar';
}

export interface GapOptions {
  /** Chance (0–1) that a join is a gap of silence instead of an overlap. */
  probability: number;
  /** Gap length range in seconds. */
  seconds: { min: number; max: number };
}

export interface SequenceOptions {
  lengthSeconds: number;
  seed: number;
  /** Sample rate of the clips and the track (default 16000). */
  sampleRate?: number;
  /** Overlap of consecutive clips, drawn per join (default 0.5–2 s; capped at half a clip). */
  overlapSeconds?: { min: number; max: number };
  /** Shape of the cross-fades in overlaps (default equal-power: uncorrelated clips keep power). */
  crossfade?: FadeShape;
  /** Fade at clip edges that do not overlap another clip (default 0.01 s, raised-cosine). */
  edgeFadeSeconds?: number;
  /** Fade-out of a clip cut by the end of the track (default 1 s). */
  endFadeSeconds?: number;
  gaps?: GapOptions;
  tempo?: TempoGrid;
  /** Master stage (default limiter). */
  master?: MasterMode;
  /** True-peak ceiling in dBTP (default −1): the master keeps the 4x oversampled peak under it. */
  peakDbfs?: number;
  /**
   * Integrated loudness (LUFS, BS.1770) every clip is scaled to before mixing (default −16);
   * null leaves the clips' levels alone.
   */
  loudnessLufs?: number | null;
}

/** One clip's loudness as it came, and the gain that matched it to the target. */
export interface ClipLoudness {
  /** Integrated loudness before matching, LUFS (−Infinity for silence). */
  lufs: number;
  /** Gain applied, dB (0 when not matched or silent). */
  gainDb: number;
}

/** R128 measures of the mastered track. */
export interface TrackLoudness {
  integratedLufs: number;
  loudnessRangeLu: number;
  truePeakDbtp: number;
  /**
   * Highest minus lowest short-term (3 s) loudness over the windows that lie wholly in sounding
   * clips (no gap, not the fade-out at the end); 0 when no window qualifies.
   */
  shortTermSpreadLu: number;
  clips: ClipLoudness[];
}

/** One clip's place in the track; sample positions in the track, [start, end). */
export interface Placement {
  clip: number;
  start: number;
  end: number;
  /** Fade lengths in samples at the placement's start and end. */
  fadeIn: number;
  fadeOut: number;
  fadeInShape: FadeShape;
  fadeOutShape: FadeShape;
}

export interface SequencedTrack {
  audio: Float32Array;
  sampleRate: number;
  placements: Placement[];
  /** Smallest master gain (limiter) or the normalisation gain. */
  masterGain: number;
  loudness: TrackLoudness;
}

/**
 * Samples the short-term spread is measured over: inside some placement, outside intended gaps,
 * and before the fade-out of a clip cut by the end of the track.
 */
function steadyMask(placements: Placement[], length: number): Uint8Array {
  const mask = new Uint8Array(length);
  placements.forEach((p, i) => {
    const last = i === placements.length - 1 && p.end === length;
    const end = last ? p.end - p.fadeOut : p.end;
    mask.fill(1, p.start, Math.max(p.start, end));
  });
  return mask;
}

/** Max − min short-term loudness over windows wholly inside `mask` (see TrackLoudness). */
export function shortTermSpread(audio: Float32Array, sampleRate: number, mask: Uint8Array): number {
  const shortTerm = shortTermLoudness(audio, sampleRate);
  const unsteady = new Int32Array(mask.length + 1);
  for (let i = 0; i < mask.length; i++) unsteady[i + 1] = unsteady[i] + (mask[i] ? 0 : 1);
  const window = 3 * sampleRate;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  shortTerm.forEach((lufs, j) => {
    const start = Math.round(j * 0.1 * sampleRate);
    if (unsteady[start + window] - unsteady[start] > 0 || !Number.isFinite(lufs)) return;
    lo = Math.min(lo, lufs);
    hi = Math.max(hi, lufs);
  });
  return hi >= lo ? hi - lo : 0;
}

function checkRange(name: string, range: { min: number; max: number }): void {
  if (!(Number.isFinite(range.min) && Number.isFinite(range.max) && range.min >= 0)) {
    throw new UsageError(`${name} must be finite and >= 0 seconds, got ${range.min}..${range.max}`);
  }
  if (range.max < range.min) throw new UsageError(`${name}: max ${range.max} < min ${range.min}`);
}

/** Clip order: a shuffled bag of all clips, refilled when empty, never one clip twice in a row. */
function clipOrder(rng: Rng, usable: number[]): () => number {
  let bag: number[] = [];
  let last = -1;
  return () => {
    if (bag.length === 0) {
      bag = rng.shuffle(usable);
      if (bag.length > 1 && bag[bag.length - 1] === last) {
        [bag[0], bag[bag.length - 1]] = [bag[bag.length - 1], bag[0]];
      }
    }
    last = bag.pop()!;
    return last;
  };
}

/** Grid line positions in samples: line k sits at round(k * step). */
class Grid {
  constructor(readonly step: number) {}
  at(k: number): number {
    return Math.round(k * this.step);
  }
  nearest(position: number): number {
    return Math.round(position / this.step);
  }
}

/**
 * Sequence `clips` into a track of exactly `lengthSeconds` (rounded to a sample).
 * Draw order per join: the next clip, gap-or-overlap, its length. Joins are placed, then snapped
 * (a clip may be shortened so a snapped start keeps its drawn overlap), then fades are set:
 * overlaps at least one edge fade long are cross-faded with `crossfade`; all other edges get a
 * raised-cosine edge fade.
 */
export function sequenceTrack(clips: Float32Array[], options: SequenceOptions): SequencedTrack {
  assertSeed(options.seed);
  const sampleRate = options.sampleRate ?? 16000;
  if (!Number.isFinite(options.lengthSeconds) || options.lengthSeconds <= 0) {
    throw new UsageError(
      `track length must be a positive number of seconds, got ${options.lengthSeconds}`,
    );
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new UsageError(`sample rate must be a positive integer, got ${sampleRate}`);
  }
  const length = Math.round(options.lengthSeconds * sampleRate);
  clips.forEach((clip, i) => {
    for (let k = 0; k < clip.length; k++) {
      if (!Number.isFinite(clip[k])) {
        throw new UsageError(
          `clip ${i} has a non-finite sample at ${k}; decode and validate it first`,
        );
      }
    }
  });
  const usable = clips.flatMap((clip, i) => (clip.length > 0 ? [i] : []));
  if (usable.length === 0) throw new UsageError('nothing to sequence: every clip is empty');
  const overlap = options.overlapSeconds ?? { min: 0.5, max: 2 };
  checkRange('overlap', overlap);
  const edge = Math.max(1, Math.round((options.edgeFadeSeconds ?? 0.01) * sampleRate));
  const endFade = Math.max(edge, Math.round((options.endFadeSeconds ?? 1) * sampleRate));
  const crossfade = options.crossfade ?? 'equal-power';
  const gaps = options.gaps;
  if (gaps) {
    if (!(gaps.probability >= 0 && gaps.probability <= 1)) {
      throw new UsageError(`gap probability must be between 0 and 1, got ${gaps.probability}`);
    }
    checkRange('gap length', gaps.seconds);
  }
  let grid: Grid | undefined;
  if (options.tempo) {
    const { bpm } = options.tempo;
    const beatsPerBar = options.tempo.beatsPerBar ?? 4;
    if (!(Number.isFinite(bpm) && bpm > 0))
      throw new UsageError(`bpm must be positive, got ${bpm}`);
    if (!(Number.isInteger(beatsPerBar) && beatsPerBar > 0)) {
      throw new UsageError(`beats per bar must be a positive integer, got ${beatsPerBar}`);
    }
    const beat = (60 / bpm) * sampleRate;
    grid = new Grid(options.tempo.snap === 'bar' ? beat * beatsPerBar : beat);
  }

  const rng = createRng(deriveSeed(options.seed, 'sequence'));
  const nextClip = clipOrder(rng, usable);
  const placements: Placement[] = [];
  // The shortest placement worth adding: room for its two edge fades.
  const minimum = 2 * edge;
  for (;;) {
    const clip = nextClip();
    const clipLength = clips[clip].length;
    const prev = placements[placements.length - 1];
    let start = 0;
    if (prev) {
      // prev.fadeIn still holds prev's overlap with its own predecessor (fades are set below).
      const prevLength = prev.end - prev.start;
      const isGap = gaps !== undefined && rng.chance(gaps.probability);
      const drawn = Math.round(
        (isGap
          ? rng.uniform(gaps.seconds.min, gaps.seconds.max)
          : rng.uniform(overlap.min, overlap.max)) * sampleRate,
      );
      // An overlap never covers more than half of either clip, nor prev's own fade-in: so at most
      // two clips sound at once and every start moves forward.
      const wanted = isGap
        ? 0
        : Math.min(
            drawn,
            prevLength - prev.fadeIn,
            Math.floor(prevLength / 2),
            Math.floor(clipLength / 2),
          );
      start = isGap ? prev.end + drawn : prev.end - wanted;
      if (grid) {
        let k = isGap ? Math.ceil(start / grid.step) : grid.nearest(start);
        // Leave prev at least its fade-in and two edge fades.
        while (grid.at(k) < prev.start + Math.max(prev.fadeIn, minimum)) k++;
        const snapped = grid.at(k);
        if (!isGap && snapped < start) {
          // Earlier than drawn: shorten the previous clip so the drawn overlap is kept.
          prev.end = Math.min(prev.end, snapped + wanted);
        }
        start = snapped;
      }
    }
    if (start > length - minimum) break;
    const end = Math.min(start + clipLength, length);
    const overlapWithPrev = prev ? Math.max(0, prev.end - start) : 0;
    placements.push({
      clip,
      start,
      end,
      fadeIn: overlapWithPrev, // the overlap for now; the fade is set once the next join is known
      fadeOut: 0,
      fadeInShape: 'raised-cosine',
      fadeOutShape: 'raised-cosine',
    });
    if (end >= length) break;
  }

  // Fades: cross-fade overlaps long enough, edge-fade everything else, never past half a clip.
  for (let i = 0; i < placements.length; i++) {
    const p = placements[i];
    const next = placements[i + 1];
    const span = p.end - p.start;
    const overlapIn = p.fadeIn;
    const overlapOut = next ? Math.max(0, p.end - next.start) : 0;
    const cutByEnd = !next && p.end === length && p.end - p.start < clips[p.clip].length;
    p.fadeInShape = overlapIn >= edge ? crossfade : 'raised-cosine';
    p.fadeOutShape = overlapOut >= edge ? crossfade : 'raised-cosine';
    p.fadeIn = Math.min(Math.max(edge, overlapIn), Math.floor(span / 2));
    p.fadeOut = Math.min(Math.max(cutByEnd ? endFade : edge, overlapOut), span - p.fadeIn);
  }

  // Loudness matching: every clip to the target, so a quiet source and a loud one sit at the
  // same level; the master then takes care of the peaks this may raise.
  const target = options.loudnessLufs === undefined ? -16 : options.loudnessLufs;
  if (target !== null && !(Number.isFinite(target) && target <= 0)) {
    throw new UsageError(`loudness target must be a number of LUFS <= 0, got ${target}`);
  }
  const clipLoudness: ClipLoudness[] = clips.map((clip) => {
    const lufs = clip.length > 0 ? integratedLoudness(clip, sampleRate) : Number.NEGATIVE_INFINITY;
    const gain = target === null ? 1 : gainToLufs(clip, target, { sampleRate });
    return { lufs, gainDb: 20 * Math.log10(gain) };
  });
  const clipGains = clipLoudness.map((c) => 10 ** (c.gainDb / 20));

  const mix = new Float64Array(length);
  for (const p of placements) {
    const source = clips[p.clip];
    const clipGain = clipGains[p.clip];
    const span = p.end - p.start;
    const fadeOutStart = span - p.fadeOut;
    for (let j = 0; j < span; j++) {
      let gain = 1;
      if (j < p.fadeIn) gain *= fadeInGain(p.fadeInShape, fadePosition(j, p.fadeIn));
      if (j >= fadeOutStart) {
        gain *= fadeOutGain(p.fadeOutShape, fadePosition(j - fadeOutStart, p.fadeOut));
      }
      mix[p.start + j] += gain * clipGain * source[j];
    }
  }
  const raw = Float32Array.from(mix);
  const peakDbtp = options.peakDbfs ?? -1;
  const ceiling = 10 ** (peakDbtp / 20);
  if (!(ceiling > 0 && ceiling <= 1)) {
    throw new UsageError(`peak target must be <= 0 dBFS, got ${options.peakDbfs}`);
  }
  const master = options.master ?? 'limiter';
  const mastered =
    master === 'none'
      ? { samples: raw, minGain: 1 }
      : masterTruePeak(raw, peakDbtp, master, {
          lookahead: sampleRate * 0.005,
          release: sampleRate * 0.1,
        });
  const measured = measureLoudness(mastered.samples, sampleRate);
  return {
    audio: mastered.samples,
    sampleRate,
    placements,
    masterGain: mastered.minGain,
    loudness: {
      integratedLufs: measured.integratedLufs,
      loudnessRangeLu: measured.loudnessRangeLu,
      truePeakDbtp: measured.truePeakDbtp,
      shortTermSpreadLu: shortTermSpread(
        mastered.samples,
        sampleRate,
        steadyMask(placements, length),
      ),
      clips: clipLoudness,
    },
  };
}
