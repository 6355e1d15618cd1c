import { describe, expect, it } from 'vitest';
import {
  type CrossfadeWeights,
  createRecipe,
  crossFade,
  drawCrossfadeSchedule,
  type FadeShape,
  weightCurve,
} from '../../src/mashup/index.js';
import { createRng } from '../../src/random.js';
import { randomWalkEmbedding } from './helpers.js';

// The shapes written out independently of src/mashup/fades.ts.
const reference: Record<FadeShape, { in: (t: number) => number; out: (t: number) => number }> = {
  linear: { in: (t) => t, out: (t) => 1 - t },
  'equal-power': {
    in: (t) => Math.sin((t * Math.PI) / 2),
    out: (t) => Math.cos((t * Math.PI) / 2),
  },
  'raised-cosine': {
    in: (t) => 0.5 - 0.5 * Math.cos(t * Math.PI),
    out: (t) => 0.5 + 0.5 * Math.cos(t * Math.PI),
  },
};

const FRAMES = 900; // 28.8 s at 32 ms per frame
const bounds = (shape: FadeShape) => ({
  frames: FRAMES,
  sources: 2,
  holdFrames: { min: 20, max: 60 },
  fadeFrames: { min: 8, max: 30 },
  shape,
});

function row(data: Float64Array, f: number): number[] {
  return [data[2 * f], data[2 * f + 1]];
}

describe('cross_fade of two sources with a fixed seed', () => {
  for (const shape of ['linear', 'raised-cosine', 'equal-power'] as const) {
    describe(`${shape} fades`, () => {
      const schedule = drawCrossfadeSchedule(createRng(1234), bounds(shape));
      const curve = weightCurve(schedule, FRAMES, 2);

      it('draws holds and fades within the bounds, alternating the two sources', () => {
        expect(schedule.fades.length).toBeGreaterThan(10);
        let end = 0;
        let current = schedule.initial;
        for (const fade of schedule.fades) {
          const hold = fade.start - end;
          expect(hold).toBeGreaterThanOrEqual(20);
          expect(hold).toBeLessThanOrEqual(60);
          expect(fade.frames).toBeGreaterThanOrEqual(8);
          expect(fade.frames).toBeLessThanOrEqual(30);
          expect(fade.from).toBe(current);
          expect(fade.to).toBe(1 - current);
          current = fade.to;
          end = fade.start + fade.frames;
        }
      });

      it('changes weights only inside the drawn fades', () => {
        const inFade = (f: number) =>
          schedule.fades.some((fade) => f >= fade.start && f <= fade.start + fade.frames);
        let changes = 0;
        for (let f = 1; f < FRAMES; f++) {
          const changed = row(curve.data, f).some((w, s) => w !== row(curve.data, f - 1)[s]);
          if (changed) {
            changes++;
            expect(inFade(f), `weights changed at frame ${f}`).toBe(true);
          }
          if (!inFade(f)) {
            // Holds: exactly one source at full weight.
            expect([...row(curve.data, f)].sort()).toEqual([0, 1]);
          }
        }
        expect(changes).toBeGreaterThan(schedule.fades.length * 7);
      });

      it('follows the shape formula inside every fade', () => {
        let checked = 0;
        for (const fade of schedule.fades) {
          for (let i = 0; i < fade.frames && fade.start + i < FRAMES; i++) {
            const t = (i + 0.5) / fade.frames;
            const w = row(curve.data, fade.start + i);
            expect(w[fade.from]).toBeCloseTo(reference[shape].out(t), 12);
            expect(w[fade.to]).toBeCloseTo(reference[shape].in(t), 12);
            checked++;
          }
        }
        expect(checked).toBeGreaterThan(100);
      });

      it(shape === 'equal-power' ? 'keeps power: squares sum to one' : 'sums to one', () => {
        for (let f = 0; f < FRAMES; f++) {
          const [a, b] = row(curve.data, f);
          const total = shape === 'equal-power' ? a * a + b * b : a + b;
          expect(Math.abs(total - 1)).toBeLessThan(1e-12);
        }
      });
    });
  }

  it('mixes the embeddings with exactly those weights (linear mixing)', () => {
    const e1 = randomWalkEmbedding(700, 1);
    const e2 = randomWalkEmbedding(800, 2);
    const { recipe, embedding } = crossFade(e1, e2, {
      seed: 99,
      shape: 'linear',
      holdSeconds: { min: 0.5, max: 1.5 },
      fadeSeconds: { min: 0.3, max: 1 },
    });
    // The original system read both encodings from their start, for the shorter's length.
    expect(recipe.sources.map((s) => s.offset)).toEqual([0, 0]);
    expect(embedding.frames).toBe(700);
    const weights = weightCurve(recipe.weights, 700, 2);
    for (let f = 0; f < 700; f++) {
      const [w1, w2] = row(weights.data, f);
      expect(w1 + w2).toBeCloseTo(1, 12);
      for (let d = 0; d < 16; d++) {
        const naive = w1 * e1.data[f * 16 + d] + w2 * e2.data[f * 16 + d];
        expect(embedding.data[f * 16 + d]).toBeCloseTo(naive, 4);
        // Where one source holds, the output is that source's frame, bit for bit.
        if (w1 === 1) expect(embedding.data[f * 16 + d]).toBe(e1.data[f * 16 + d]);
        if (w2 === 1) expect(embedding.data[f * 16 + d]).toBe(e2.data[f * 16 + d]);
      }
    }
  });

  it('draws the same schedule from the same seed and another from another seed', () => {
    const a = drawCrossfadeSchedule(createRng(5), bounds('linear'));
    const b = drawCrossfadeSchedule(createRng(5), bounds('linear'));
    const c = drawCrossfadeSchedule(createRng(6), bounds('linear'));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });
});

describe('N-source cross-fades', () => {
  it('moves between random sources, never fading a source into itself', () => {
    const sources = [1, 2, 3, 4].map((s) => ({ embedding: randomWalkEmbedding(500, s) }));
    const recipe = createRecipe(sources, {
      seed: 11,
      model: { name: 'test' },
      frames: 400,
      holdSeconds: { min: 0.2, max: 0.6 },
      fadeSeconds: { min: 0.1, max: 0.3 },
    });
    const weights = recipe.weights as CrossfadeWeights;
    const visited = new Set([weights.initial, ...weights.fades.map((f) => f.to)]);
    expect(visited.size).toBe(4);
    for (const fade of weights.fades) expect(fade.to).not.toBe(fade.from);
    const curve = weightCurve(weights, 400, 4);
    for (let f = 0; f < 400; f++) {
      let sum = 0;
      let active = 0;
      for (let s = 0; s < 4; s++) {
        sum += curve.data[f * 4 + s];
        if (curve.data[f * 4 + s] > 0) active++;
      }
      expect(sum).toBeCloseTo(1, 12);
      expect(active).toBeLessThanOrEqual(2);
    }
    // Random offsets keep every segment inside its source.
    for (const s of recipe.sources) expect(s.offset + 400).toBeLessThanOrEqual(500);
  });
});
