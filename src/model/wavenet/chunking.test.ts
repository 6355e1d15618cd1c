import { describe, expect, it } from 'vitest';
import { randomEmbedding, SMALL, smallModel } from '../../../test/wavenet/reference.js';
import { decoderReceptiveField, H512_BO16 } from '../wavenet-config.js';
import { planChunks, warmupFrames } from './chunking.js';
import { createWaveNetGenerator } from './generator.js';

const hop = SMALL.hop;
const secondsPerFrame = hop / SMALL.sampleRate;

describe('chunk planning', () => {
  it('warms up on at least the receptive field and slices the right frames', () => {
    expect(decoderReceptiveField(SMALL)).toBe(31);
    expect(warmupFrames(SMALL)).toBe(1);
    const embedding = randomEmbedding(100, 1);
    const plan = planChunks([embedding], SMALL, {
      chunkSeconds: 20 * secondsPerFrame,
      crossfadeSeconds: 2 * secondsPerFrame,
    });
    expect(plan.crossfadeFrames).toBe(2);
    expect(plan.streams.map((s) => s.length / hop)).toEqual([20, 23, 23, 23, 23]);
    // Chunk 2 starts 1 warm-up + 2 fade frames before frame 40.
    const chunk2 = plan.streams[2];
    expect(chunk2.embedding.frames).toBe(23);
    expect(chunk2.embedding.data).toEqual(embedding.data.subarray(37 * 16, 60 * 16));
    expect(new Set(plan.streams.map((s) => s.key)).size).toBe(5);
  });

  it('splits one 60 s h512_bo16 sound into exactly 64 chunks for --chunk-seconds 60/64', () => {
    const plan = planChunks([randomEmbedding(1875, 5)], H512_BO16, { chunkSeconds: 60 / 64 });
    expect(plan.streams).toHaveLength(64);
    expect(plan.warmupFrames).toBe(12); // 6,141 samples of receptive field → 12 frames of 512
    const total = plan.join(plan.streams.map((s) => new Float32Array(s.length)));
    expect(total[0].length).toBe(1875 * 512);
  });

  it('keeps short sounds whole and leaves chunking off by default', () => {
    const short = randomEmbedding(30, 2);
    expect(planChunks([short], SMALL, { chunkSeconds: 20 * secondsPerFrame }).streams).toHaveLength(
      1,
    );
    expect(planChunks([randomEmbedding(1000, 3)], SMALL).streams).toHaveLength(1);
    expect(() => planChunks([short], SMALL, { chunkSeconds: -1 })).toThrow(/chunk seconds/);
    expect(() => planChunks([short], SMALL, { chunkSeconds: secondsPerFrame })).toThrow(
      /too short/,
    );
  });

  it('joins chunks: warm-up dropped, equal-power cross-fade, then the new chunk alone', () => {
    const plan = planChunks([randomEmbedding(60, 4)], SMALL, {
      chunkSeconds: 30 * secondsPerFrame,
    });
    expect(plan.streams).toHaveLength(2);
    // Each chunk's audio = its index + 1 plus its global sample position / 1e6, to trace origins.
    const starts = [0, (30 - 1 - 1) * hop];
    const audio = plan.streams.map((s, j) =>
      Float32Array.from({ length: s.length }, (_, i) => j + 1 + (starts[j] + i) / 1e6),
    );
    const [out] = plan.join(audio);
    expect(out.length).toBe(60 * hop);
    const fadeStart = 29 * hop;
    expect(out[fadeStart - 1]).toBeCloseTo(1 + (fadeStart - 1) / 1e6, 6);
    for (let i = 0; i < hop; i++) {
      const angle = ((i + 0.5) / hop) * (Math.PI / 2);
      const g = fadeStart + i;
      const expected = (1 + g / 1e6) * Math.cos(angle) + (2 + g / 1e6) * Math.sin(angle);
      expect(out[g]).toBeCloseTo(expected, 5);
    }
    expect(out[30 * hop]).toBeCloseTo(2 + (30 * hop) / 1e6, 6);
    expect(out[60 * hop - 1]).toBeCloseTo(2 + (60 * hop - 1) / 1e6, 6);
  });
});

describe('chunked generation', () => {
  it('generates all chunks in one batch; the first chunk equals the unchunked start', async () => {
    const generator = await createWaveNetGenerator(smallModel(9), { threads: 1 });
    const embedding = randomEmbedding(12, 8);
    const batches: number[] = [];
    const chunked = await generator.generate([embedding], {
      seed: 1,
      chunkSeconds: 4 * secondsPerFrame,
      onProgress: (p) => batches.push(p.batch),
    });
    const whole = await generator.generate([embedding], { seed: 1 });
    await generator.dispose();
    expect(Math.max(...batches)).toBe(3);
    expect(chunked[0].length).toBe(12 * hop);
    // Chunk 1's cross-fade starts at frame 4 - 1 = 3.
    expect(chunked[0].subarray(0, 3 * hop)).toEqual(whole[0].subarray(0, 3 * hop));
    expect(chunked[0].subarray(5 * hop)).not.toEqual(whole[0].subarray(5 * hop));
  });
});
