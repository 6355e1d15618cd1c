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
import { ParallelAutoencoder } from './runtime.js';

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
