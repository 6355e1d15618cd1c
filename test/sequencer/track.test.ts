import { describe, expect, it } from 'vitest';
import { truePeakDbtp } from '../../src/audio/index.js';
import { createRng } from '../../src/random.js';
import { type Placement, sequenceTrack } from '../../src/sequencer/index.js';

const SR = 16000;
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Sine clips of various pitches, random phases and lengths (seeded). */
function sineClips(count: number, amplitude: number, seed = 1) {
  const rng = createRng(seed);
  const freqs: number[] = [];
  const clips = Array.from({ length: count }, (_, i) => {
    const freq = 220 + 110 * i;
    freqs.push(freq);
    const phase = rng.uniform(0, 2 * Math.PI);
    const n = Math.round(rng.uniform(1.5, 4) * SR);
    return Float32Array.from(
      { length: n },
      (_, k) => amplitude * Math.sin((2 * Math.PI * freq * k) / SR + phase),
    );
  });
  return { clips, freqs };
}

function maxStep(audio: Float32Array, from: number, to: number): number {
  let max = 0;
  for (let i = Math.max(1, from); i < Math.min(audio.length, to); i++) {
    max = Math.max(max, Math.abs(audio[i] - audio[i - 1]));
  }
  return max;
}

describe('sequenceTrack', () => {
  const { clips, freqs } = sineClips(5, 0.5);

  it('gives an identical track for the same seed and another for another seed', () => {
    const options = {
      lengthSeconds: 30,
      seed: 7,
      gaps: { probability: 0.3, seconds: { min: 0.2, max: 1 } },
    };
    const a = sequenceTrack(clips, options);
    const b = sequenceTrack(clips, options);
    expect(bytes(b.audio).equals(bytes(a.audio))).toBe(true);
    expect(b.placements).toEqual(a.placements);
    const c = sequenceTrack(clips, { ...options, seed: 8 });
    expect(c.placements).not.toEqual(a.placements);
  });

  it('is exactly the requested length', () => {
    for (const lengthSeconds of [0.5, 7.3, 20, 61.23]) {
      const track = sequenceTrack(clips, { lengthSeconds, seed: 3 });
      expect(track.audio.length).toBe(Math.round(lengthSeconds * SR));
    }
  });

  it('uses every clip before repeating one, never the same twice in a row', () => {
    const track = sequenceTrack(clips, { lengthSeconds: 60, seed: 4 });
    const order = track.placements.map((p) => p.clip);
    expect(new Set(order.slice(0, 5)).size).toBe(5);
    for (let i = 1; i < order.length; i++) expect(order[i]).not.toBe(order[i - 1]);
  });

  it('overlaps within the drawn bounds and fades every clip edge', () => {
    const track = sequenceTrack(clips, {
      lengthSeconds: 40,
      seed: 5,
      overlapSeconds: { min: 0.25, max: 0.75 },
    });
    const ps = track.placements;
    expect(ps[0].start).toBe(0);
    for (let i = 1; i < ps.length; i++) {
      const overlap = ps[i - 1].end - ps[i].start;
      expect(overlap).toBeGreaterThanOrEqual(0.25 * SR - 1);
      expect(overlap).toBeLessThanOrEqual(0.75 * SR + 1);
      // Cross-faded: the previous clip fades out exactly where this one fades in.
      expect(ps[i - 1].fadeOut).toBe(overlap);
      expect(ps[i].fadeIn).toBe(overlap);
      expect(ps[i].fadeInShape).toBe('equal-power');
    }
    for (const p of ps) {
      expect(p.fadeIn).toBeGreaterThan(0);
      expect(p.fadeOut).toBeGreaterThan(0);
      expect(p.fadeIn + p.fadeOut).toBeLessThanOrEqual(p.end - p.start);
      expect(p.end - p.start).toBeLessThanOrEqual(clips[p.clip].length);
    }
    // At most two clips sound at once.
    for (let i = 2; i < ps.length; i++) expect(ps[i].start).toBeGreaterThanOrEqual(ps[i - 2].end);
  });

  it('has no discontinuity at joins above the sines’ own slope (sine input)', () => {
    const track = sequenceTrack(clips, {
      lengthSeconds: 45,
      seed: 11,
      master: 'normalize',
      gaps: { probability: 0.25, seconds: { min: 0.1, max: 0.5 } },
    });
    const gain = track.masterGain;
    // Threshold, stated: a sine A sin(wn) changes by at most A w per sample. In an equal-power
    // cross-fade cos(t) s1 + sin(t) s2 that bound grows by at most cos + sin <= sqrt(2); the fade
    // curves add at most (pi / 2) / fadeLength x A per voice. After the master gain g:
    const A = 0.5;
    const omega = (2 * Math.PI * Math.max(...freqs)) / SR;
    const shortestFade = Math.min(...track.placements.flatMap((p) => [p.fadeIn, p.fadeOut]));
    const threshold = gain * (Math.SQRT2 * A * omega + 2 * (Math.PI / 2 / shortestFade) * A);
    // And the threshold is meaningful: it is under 1.6x the steepest sine's own step.
    expect(threshold).toBeLessThan(1.6 * gain * A * omega);

    const joins = track.placements.flatMap((p) => [p.start, p.end]);
    expect(joins.length).toBeGreaterThan(20);
    for (const p of track.placements) {
      const around = (at: number) => maxStep(track.audio, at - 2 * SR, at + 2 * SR);
      expect(around(p.start)).toBeLessThanOrEqual(threshold);
      expect(around(p.end)).toBeLessThanOrEqual(threshold);
    }
    expect(maxStep(track.audio, 0, track.audio.length)).toBeLessThanOrEqual(threshold);

    // The same placements butt-joined without fades jump far above it.
    const naive = new Float32Array(track.audio.length);
    for (const p of track.placements) {
      for (let j = 0; j < p.end - p.start; j++) naive[p.start + j] = gain * clips[p.clip][j];
    }
    expect(maxStep(naive, 0, naive.length)).toBeGreaterThan(2 * threshold);
  });

  it('leaves silence in gaps, and starts clips on the tempo grid', () => {
    const bpm = 96;
    const beat = (60 / bpm) * SR;
    const track = sequenceTrack(clips, {
      lengthSeconds: 60,
      seed: 12,
      tempo: { bpm, beatsPerBar: 3, snap: 'bar' },
      gaps: { probability: 0.4, seconds: { min: 0.5, max: 1.5 } },
    });
    let gapsSeen = 0;
    for (const [i, p] of track.placements.entries()) {
      const k = Math.round(p.start / (3 * beat));
      expect(p.start).toBe(Math.round(k * 3 * beat));
      const prev: Placement | undefined = track.placements[i - 1];
      if (prev && prev.end < p.start) {
        gapsSeen++;
        expect(track.audio.subarray(prev.end, p.start).every((x) => x === 0)).toBe(true);
      }
    }
    expect(gapsSeen).toBeGreaterThan(2);
    expect(track.audio.length).toBe(60 * SR);
  });

  it('masters peak-safely: loud overlapping clips stay under the ceiling', () => {
    const loud = sineClips(4, 0.99, 2).clips;
    for (const master of ['limiter', 'normalize'] as const) {
      for (const peakDbfs of [-1, -6]) {
        const track = sequenceTrack(loud, {
          lengthSeconds: 20,
          seed: 9,
          master,
          peakDbfs,
          overlapSeconds: { min: 1, max: 1.5 },
          // Keep the clips loud (no loudness matching), so the master has work to do.
          loudnessLufs: null,
        });
        const ceiling = 10 ** (peakDbfs / 20);
        const peak = track.audio.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        // The ceiling is a true-peak ceiling now (4x oversampled), which bounds the samples too.
        expect(peak).toBeLessThanOrEqual(ceiling);
        expect(truePeakDbtp(track.audio)).toBeLessThanOrEqual(peakDbfs);
        expect(peak).toBeGreaterThan(ceiling * 0.95);
      }
    }
  });

  it('rejects impossible requests with clear errors', () => {
    expect(() => sequenceTrack([], { lengthSeconds: 5, seed: 1 })).toThrow(/every clip is empty/);
    expect(() => sequenceTrack(clips, { lengthSeconds: -1, seed: 1 })).toThrow(/track length/);
    expect(() => sequenceTrack(clips, { lengthSeconds: 5, seed: 1, peakDbfs: 2 })).toThrow(/peak/);
    expect(() => sequenceTrack(clips, { lengthSeconds: 5, seed: 1, tempo: { bpm: 0 } })).toThrow(
      /bpm/,
    );
    const broken = Float32Array.from([0, 0.1, Number.NaN, 0]);
    expect(() => sequenceTrack([clips[0], broken], { lengthSeconds: 5, seed: 1 })).toThrow(
      /clip 1 has a non-finite sample at 2/,
    );
  });
});
