import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError } from '../../../test/helpers/numeric.js';
import {
  referenceDecode,
  referenceEncode,
  writeTinyParallelPackage,
} from '../../../test/helpers/parallel-ae.js';
import { loadModelPackage, ModelPackageError, type ParallelPackage } from '../package/index.js';
import { ParallelAutoencoder, streamNoise } from './runtime.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-parallel-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function chirp(length: number, phase = 0): Float32Array {
  return Float32Array.from({ length }, (_, i) => 0.5 * Math.sin(phase + (i * i) / 4000));
}

async function openTiny(name: string, channelsFirst: boolean, hop = 64, dims = 4) {
  const dir = join(work, name);
  const weights = await writeTinyParallelPackage(dir, { channelsFirst, hop, dims, seed: 7 });
  const pkg = (await loadModelPackage(dir)) as ParallelPackage;
  const model = await ParallelAutoencoder.open(pkg, { threads: 1 });
  return { weights, model, pkg };
}

describe('parallel-ae runtime', () => {
  for (const channelsFirst of [false, true]) {
    const layout = channelsFirst
      ? 'channels-first, [batch, 1, samples]'
      : 'frames-first, [batch, samples]';
    it(`encodes and decodes like the reference maths (${layout})`, async () => {
      const { weights, model } = await openTiny(`tiny-${channelsFirst}`, channelsFirst);
      try {
        // Three clips: two of equal padded length (one batch) and a ragged one.
        const clips = [chirp(640), chirp(600, 1), chirp(1000, 2)];
        const latents = await model.encode(clips);
        expect(latents.map((e) => e.frames)).toEqual([10, 10, 16]);
        for (let i = 0; i < clips.length; i++) {
          expect(latents[i].dims).toBe(4);
          expect(
            maxRelativeError(latents[i].data, referenceEncode(weights, clips[i])),
          ).toBeLessThan(1e-5);
        }
        const audio = await model.decode(latents);
        for (let i = 0; i < clips.length; i++) {
          expect(audio[i].length).toBe(latents[i].frames * 64);
          const expected = referenceDecode(weights, latents[i].data, latents[i].frames);
          expect(maxRelativeError(audio[i], expected)).toBeLessThan(1e-5);
        }
      } finally {
        await model.close();
      }
    });
  }

  it('reads the latent layout from the graph when frames equal dims', async () => {
    const { weights, model } = await openTiny('tie', true, 64, 4);
    try {
      const clip = chirp(4 * 64); // 4 frames of 4 dims: the output shape alone is ambiguous
      const [e] = await model.encode([clip]);
      expect(maxRelativeError(e.data, referenceEncode(weights, clip))).toBeLessThan(1e-5);
    } finally {
      await model.close();
    }
  });

  it('encodes and decodes long sequences in windows that join seamlessly', async () => {
    const dir = join(work, 'chunks');
    const weights = await writeTinyParallelPackage(dir, { hop: 64, dims: 4, seed: 9 });
    const pkg = (await loadModelPackage(dir)) as ParallelPackage;
    const whole = await ParallelAutoencoder.open(pkg, { threads: 1, chunkFrames: 0 });
    const [embedding] = await whole.encode([chirp(64 * 23 + 5)]);
    const [reference] = await whole.decode([embedding]);
    await whole.close();
    expect(maxRelativeError(reference, referenceDecode(weights, embedding.data, 24))).toBeLessThan(
      1e-5,
    );
    // This decoder works frame by frame, so every window computes the same samples as one run
    // would, and a correct join (weights summing to 1 across each seam) reproduces it exactly.
    for (const [chunkFrames, contextFrames, crossfadeFrames] of [
      [5, 2, 2],
      [7, 3, 3],
      [23, 4, 2],
      [1, 1, 1],
    ]) {
      const model = await ParallelAutoencoder.open(pkg, {
        threads: 1,
        chunkFrames,
        contextFrames,
        crossfadeFrames,
      });
      const [chunked] = await model.decode([embedding]);
      const [windowedLatents] = await model.encode([chirp(64 * 23 + 5)]);
      await model.close();
      expect(windowedLatents.frames).toBe(24);
      expect(maxRelativeError(windowedLatents.data, embedding.data)).toBeLessThan(1e-6);
      expect(chunked.length).toBe(reference.length);
      expect(
        maxRelativeError(chunked, reference),
        `chunks of ${chunkFrames}, context ${contextFrames}, cross-fade ${crossfadeFrames}`,
      ).toBeLessThan(1e-6);
    }
  });

  it('feeds a decoder with a noise input seeded noise: same seed same audio, windows see one noise', async () => {
    const dir = join(work, 'noisy');
    const gain = 0.05;
    const weights = await writeTinyParallelPackage(dir, {
      hop: 64,
      dims: 4,
      seed: 3,
      noiseGain: gain,
    });
    const pkg = (await loadModelPackage(dir)) as ParallelPackage;
    const whole = await ParallelAutoencoder.open(pkg, { threads: 1, chunkFrames: 0 });
    expect(whole.takesNoise).toBe(true);
    const [embedding] = await whole.encode([chirp(64 * 30)]);
    const [a] = await whole.decode([embedding], { seed: 5, streamNames: ['clip'] });
    const [again] = await whole.decode([embedding], { seed: 5, streamNames: ['clip'] });
    const [otherSeed] = await whole.decode([embedding], { seed: 6, streamNames: ['clip'] });
    expect(Buffer.from(again.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(maxRelativeError(otherSeed, a)).toBeGreaterThan(1e-3);
    // The output is exactly the frame decoder plus gain × the stream's noise, drawn independently here.
    const clean = referenceDecode(weights, embedding.data, embedding.frames);
    const noise = streamNoise(5, 'clip', embedding.frames * 64);
    const expected = clean.map((v, i) => v + gain * noise[i]);
    expect(maxRelativeError(a, expected)).toBeLessThan(1e-5);
    // The noise is white, unit variance: mean ~0, variance ~1.
    const mean = noise.reduce((s, v) => s + v, 0) / noise.length;
    const variance = noise.reduce((s, v) => s + (v - mean) ** 2, 0) / noise.length;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    // Streams in one batch draw by name, not by position: swapping the order swaps the outputs.
    const [x, y] = await whole.decode([embedding, embedding], { seed: 5, streamNames: ['p', 'q'] });
    const [y2, x2] = await whole.decode([embedding, embedding], {
      seed: 5,
      streamNames: ['q', 'p'],
    });
    expect(Buffer.from(x2.buffer).equals(Buffer.from(x.buffer))).toBe(true);
    expect(Buffer.from(y2.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    await whole.close();
    // Windowed decoding slices one noise per stream, so it matches the whole decode.
    const windowed = await ParallelAutoencoder.open(pkg, {
      threads: 1,
      chunkFrames: 7,
      contextFrames: 2,
      crossfadeFrames: 2,
    });
    const [chunked] = await windowed.decode([embedding], { seed: 5, streamNames: ['clip'] });
    await windowed.close();
    expect(maxRelativeError(chunked, a)).toBeLessThan(1e-6);
  });

  it('rejects embeddings of the wrong width with a clear error', async () => {
    const { model } = await openTiny('width', false);
    try {
      await expect(
        model.decode([{ frames: 2, dims: 16, data: new Float32Array(32) }]),
      ).rejects.toThrow(/embeddings must be \[frames >= 1, 4\], got \[2, 16\]/);
    } finally {
      await model.close();
    }
  });

  it('names the file when an ONNX graph is damaged', async () => {
    const dir = join(work, 'damaged');
    await writeTinyParallelPackage(dir);
    await writeFile(join(dir, 'decoder.onnx'), 'not a protobuf at all');
    const pkg = (await loadModelPackage(dir)) as ParallelPackage;
    const error = await ParallelAutoencoder.open(pkg).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelPackageError);
    expect((error as ModelPackageError).file).toBe(join(dir, 'decoder.onnx'));
    expect((error as Error).message).toMatch(/cannot load the decoder/);
  });
});
