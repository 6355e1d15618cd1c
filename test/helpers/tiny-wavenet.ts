import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveWaveNetPackage } from '../../src/model/package/index.js';
import { randomWaveNetWeights } from '../../src/model/random-weights.js';
import { H512_BO16, type WaveNetConfig } from '../../src/model/wavenet-config.js';

/**
 * A tiny WaveNet autoencoder of the NSynth family (same code, same 16 kHz / hop 512 / 16-dim
 * interface), with seeded random weights: fast enough to run end to end in tests.
 */
export const TINY_WAVENET: WaveNetConfig = {
  family: 'wavenet-ae',
  sampleRate: 16000,
  hop: 512,
  filterLength: 3,
  numLayers: 4,
  numStages: 2,
  width: 8,
  skipWidth: 8,
  aeNumLayers: 2,
  aeNumStages: 2,
  aeWidth: 8,
  bottleneckWidth: 16,
  quantizationChannels: 256,
};

/**
 * A tiny member of the h512_bo16 family (same code and variable names) whose widths all differ
 * and whose hop is 32, so a swapped dimension in a file format shows up: for package and
 * checkpoint tests, not for audio.
 */
export const TINY_ODD_WAVENET: WaveNetConfig = {
  ...H512_BO16,
  hop: 32,
  numLayers: 4,
  numStages: 2,
  width: 8,
  skipWidth: 6,
  aeNumLayers: 3,
  aeNumStages: 3,
  aeWidth: 5,
  bottleneckWidth: 4,
  quantizationChannels: 16,
};

/** Writes the tiny model as a package folder and returns its path. */
export async function makeTinyWaveNetPackage(dir?: string, seed = 1): Promise<string> {
  const target = dir ?? join(await mkdtemp(join(tmpdir(), 'commonsynth-tiny-')), 'tiny-wavenet');
  await saveWaveNetPackage(target, {
    name: 'tiny-wavenet',
    version: '0',
    wavenet: TINY_WAVENET,
    weights: randomWaveNetWeights(TINY_WAVENET, seed),
    credits: { model: 'random weights for tests', license: 'CC0-1.0', trainingData: [] },
  });
  return target;
}
