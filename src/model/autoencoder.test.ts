import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  referenceDecode,
  referenceEncode,
  type TinyParallelWeights,
  writeTinyParallelPackage,
} from '../../test/helpers/parallel-ae.js';
import { corpusDir, corpusManifest } from '../../test/helpers/shared.js';
import { TINY_WAVENET } from '../../test/helpers/tiny-wavenet.js';
import { loadMono } from '../audio/index.js';
import { openAutoencoder, SampleRateError } from './autoencoder.js';
import { loadModelPackage, saveWaveNetPackage, type WaveNetPackage } from './package/index.js';
import { randomWaveNetWeights } from './random-weights.js';
import { registerModel } from './registry.js';
import { createWaveNetEncoder, createWaveNetGenerator } from './wavenet/index.js';
import type { WaveNetConfig } from './wavenet-config.js';

/** The shared tiny WaveNet with a shorter hop and a deeper encoder. */
const TINY: WaveNetConfig = { ...TINY_WAVENET, hop: 64, aeNumLayers: 4 };

let work: string;
let parallelDir: string;
let parallelWeights: TinyParallelWeights;
let wavenetDir: string;
let clip: Float32Array;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'commonsynth-autoencoder-'));
  parallelDir = join(work, 'parallel');
  parallelWeights = await writeTinyParallelPackage(parallelDir, { hop: 512, dims: 16, seed: 11 });
  wavenetDir = join(work, 'wavenet');
  await saveWaveNetPackage(wavenetDir, {
    name: 'tiny-wavenet',
    version: '0',
    wavenet: TINY,
    weights: randomWaveNetWeights(TINY, 3),
    credits: { trainingData: [], model: 'random test weights', license: 'CC0-1.0' },
  });
  const row = corpusManifest().find((r) => r.theme === 'human')!;
  // 0.3 s of a real recording, deliberately not a whole number of hops.
  clip = (await loadMono(join(corpusDir(), row.file))).samples.slice(0, 4800 + 37);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('openAutoencoder (parallel-ae)', () => {
  it('opens a package by path and round-trips audio through both graphs', async () => {
    const model = await openAutoencoder(parallelDir, { threads: 1 });
    try {
      expect(model.info).toMatchObject({
        name: 'parallel',
        family: 'parallel-ae',
        hop: 512,
        dims: 16,
        sampleRate: 16000,
        stochastic: false,
        isDefault: false,
      });
      const embedding = await model.encode({ sampleRate: 16000, samples: clip });
      expect(embedding.frames).toBe(Math.ceil(clip.length / 512));
      const expected = referenceEncode(parallelWeights, clip);
      for (let i = 0; i < expected.length; i++) {
        expect(embedding.data[i]).toBeCloseTo(expected[i], 4);
      }
      const progress: Array<[number, number]> = [];
      const [audio] = await model.decode([embedding], {
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(audio.length).toBe(embedding.frames * 512);
      const reference = referenceDecode(parallelWeights, embedding.data, embedding.frames);
      for (let i = 0; i < audio.length; i += 97) expect(audio[i]).toBeCloseTo(reference[i], 4);
      expect(progress.at(-1)).toEqual([audio.length, audio.length]);
    } finally {
      await model.close();
    }
  });

  it('opens a registered package by name', async () => {
    const env = { COMMONSYNTH_HOME: join(work, 'home') };
    const previous = process.env.COMMONSYNTH_HOME;
    process.env.COMMONSYNTH_HOME = env.COMMONSYNTH_HOME;
    try {
      await registerModel(parallelDir, { name: 'mine' });
      const model = await openAutoencoder('mine');
      expect(model.info.name).toBe('mine');
      expect(model.info.dir).toBe(join(work, 'home', 'models', 'mine'));
      await model.close();
    } finally {
      if (previous === undefined) delete process.env.COMMONSYNTH_HOME;
      else process.env.COMMONSYNTH_HOME = previous;
    }
  });

  it('refuses audio at another sample rate', async () => {
    const model = await openAutoencoder(parallelDir);
    try {
      await expect(model.encode({ sampleRate: 44100, samples: clip })).rejects.toThrow(
        SampleRateError,
      );
    } finally {
      await model.close();
    }
  });
});

describe('openAutoencoder (wavenet-ae)', () => {
  it('delegates to the WaveNet encoder and generator, with seeds that reproduce', async () => {
    const pkg = (await loadModelPackage(wavenetDir)) as WaveNetPackage;
    const model = await openAutoencoder(pkg, { threads: 1 });
    try {
      expect(model.info).toMatchObject({ family: 'wavenet-ae', hop: 64, stochastic: true });
      const embedding = await model.encode({ sampleRate: 16000, samples: clip });
      // A ragged end is padded, so the reconstruction covers the whole clip.
      expect(embedding.frames).toBe(Math.ceil(clip.length / 64));
      const encoder = await createWaveNetEncoder(pkg, { threads: 1 });
      const direct = await encoder.encode(clip, { tail: 'pad' });
      await encoder.dispose();
      expect(embedding.data).toEqual(direct.data);

      const short = { frames: 6, dims: 16, data: embedding.data.slice(0, 6 * 16) };
      const [a] = await model.decode([short], { seed: 5 });
      const [b] = await model.decode([short], { seed: 5 });
      const [c] = await model.decode([short], { seed: 6 });
      expect(a.length).toBe(6 * 64);
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      const generator = await createWaveNetGenerator(pkg, { threads: 1 });
      const [viaGenerator] = await generator.generate([short], { seed: 5 });
      const [argmax] = await generator.generate([short], { argmax: true });
      await generator.dispose();
      expect(a).toEqual(viaGenerator);
      // Temperature 0 means argmax.
      const [greedy] = await model.decode([short], { temperature: 0 });
      expect(greedy).toEqual(argmax);
    } finally {
      await model.close();
    }
  });
});
