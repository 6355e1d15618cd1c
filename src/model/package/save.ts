import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../audio/index.js';
import { writeSafetensors } from '../safetensors.js';
import type { WeightMap } from '../tensor.js';
import type { WaveNetConfig } from '../wavenet-config.js';
import {
  CONFIG_FILE,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelCredits,
  validateModelConfig,
  type WaveNetModelConfig,
  WEIGHTS_FILE,
  type WeightsKind,
} from './config.js';
import { checkWaveNetWeights } from './load.js';

export interface SaveWaveNetPackageOptions {
  name: string;
  version: string;
  wavenet: WaveNetConfig;
  weights: WeightMap;
  credits: ModelCredits;
  /** For checkpoint imports: which copy of the weights this is. */
  weightsKind?: WeightsKind;
}

/** The config.json object of a wavenet-ae package, validated. */
export function wavenetModelConfig(
  options: Omit<SaveWaveNetPackageOptions, 'weights'>,
): WaveNetModelConfig {
  const raw = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name: options.name,
    version: options.version,
    family: 'wavenet-ae',
    sampleRate: options.wavenet.sampleRate,
    hop: options.wavenet.hop,
    embeddingDims: options.wavenet.bottleneckWidth,
    hyperparameters: options.wavenet,
    ...(options.weightsKind === undefined ? {} : { weights: options.weightsKind }),
    credits: options.credits,
    files: { weights: WEIGHTS_FILE },
  };
  return validateModelConfig(raw, CONFIG_FILE).config as WaveNetModelConfig;
}

/**
 * Writes a wavenet-ae package into `dir` (created if needed): weights.safetensors first, then
 * config.json, each through a temporary file and a rename, so that a folder with a config.json
 * always holds a complete package. Config and weights are validated before anything is written.
 */
export async function saveWaveNetPackage(
  dir: string,
  options: SaveWaveNetPackageOptions,
): Promise<void> {
  const config = wavenetModelConfig(options);
  const weightsPath = join(dir, WEIGHTS_FILE);
  checkWaveNetWeights(options.wavenet, options.weights, weightsPath, { strict: true });
  await mkdir(dir, { recursive: true });
  // Remove a previous config first: a crash between the two writes must not leave an old
  // config.json describing new weights.
  await rm(join(dir, CONFIG_FILE), { force: true });
  await writeSafetensors(weightsPath, options.weights, {
    format: MODEL_FORMAT,
    family: 'wavenet-ae',
    name: options.name,
    version: options.version,
  });
  await writeFileAtomic(
    join(dir, CONFIG_FILE),
    new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`),
    { sync: true },
  );
}
