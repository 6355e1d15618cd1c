/**
 * Converting a Magenta NSynth WaveNet checkpoint (a TensorFlow tensor bundle) into a wavenet-ae
 * model package: hyperparameters inferred from the variables' shapes and checked against the
 * family's full variable list, raw or exponential-moving-average weights, every tensor CRC-checked.
 */
import { basename } from 'node:path';
import type { ModelCredits, WaveNetModelConfig, WeightsKind } from '../package/config.js';
import { saveWaveNetPackage, wavenetModelConfig } from '../package/save.js';
import type { WeightMap } from '../tensor.js';
import { H512_BO16, type WaveNetConfig, wavenetVariableShapes } from '../wavenet-config.js';
import { TfCheckpoint, type TfTensorInfo } from './bundle.js';
import { TfCheckpointError } from './errors.js';

export const EMA_SUFFIX = '/ExponentialMovingAverage';
/** Slots that training adds beside each variable (Adam's moments and the moving average). */
export const TRAINING_SLOT_SUFFIXES = ['/Adam', '/Adam_1', EMA_SUFFIX] as const;
/** Training state that is not part of the model. */
export const TRAINING_STATE_VARIABLES = ['global_step', 'beta1_power', 'beta2_power'] as const;

export const NSYNTH_CREDITS: ModelCredits = {
  trainingData: [
    {
      title: 'The NSynth Dataset',
      author:
        'Jesse Engel, Cinjon Resnick, Adam Roberts, Sander Dieleman, Douglas Eck, Karen Simonyan, Mohammad Norouzi',
      license: 'CC-BY-4.0',
      source: 'https://magenta.tensorflow.org/datasets/nsynth',
    },
  ],
  model:
    'NSynth WaveNet autoencoder (h512_bo16) by Google Magenta: J. Engel, C. Resnick, A. Roberts, S. Dieleman, D. Eck, K. Simonyan, M. Norouzi, "Neural Audio Synthesis of Musical Notes with WaveNet Autoencoders", ICML 2017. Weights from the checkpoint Magenta published with magenta/models/nsynth, converted by commonsynth.',
  license: 'Apache-2.0',
};

/** What the variables' shapes cannot tell: the dilation cycles, the pooling hop and the rate. */
export interface WaveNetShapeFreeOptions {
  /** Decoder dilation cycle (default 10, as h512_bo16). */
  numStages?: number;
  /** Encoder dilation cycle (default 10). */
  aeNumStages?: number;
  /** Samples per embedding frame (default 512). */
  hop?: number;
  /** Audio rate in Hz (default 16000). */
  sampleRate?: number;
}

function isModelVariable(name: string): boolean {
  return (
    !TRAINING_SLOT_SUFFIXES.some((suffix) => name.endsWith(suffix)) &&
    !(TRAINING_STATE_VARIABLES as readonly string[]).includes(name)
  );
}

function countLayers(shapes: ReadonlyMap<string, number[]>, pattern: RegExp): number {
  let count = 0;
  for (const name of shapes.keys()) {
    const match = pattern.exec(name);
    if (match) count = Math.max(count, Number(match[1]));
  }
  return count;
}

/**
 * Infers WaveNet hyperparameters from a checkpoint's tensors (raw variable names and shapes), then
 * checks that the checkpoint holds exactly the family's variables with exactly their shapes.
 * `file` names the checkpoint in errors.
 */
export function inferWaveNetConfig(
  tensors: readonly TfTensorInfo[],
  file: string,
  options: WaveNetShapeFreeOptions = {},
): WaveNetConfig {
  const shapes = new Map(
    tensors.filter((t) => isModelVariable(t.name)).map((t) => [t.name, t.shape]),
  );
  const dim = (name: string, axis: number): number => {
    const shape = shapes.get(name);
    if (shape === undefined || shape.length !== 4) {
      throw new TfCheckpointError(
        `${file}: not a WaveNet autoencoder checkpoint: ${shape === undefined ? 'no variable' : `unexpected shape [${shape}] of`} "${name}"`,
        { file, tensor: name },
      );
    }
    return shape[axis];
  };
  const config: WaveNetConfig = {
    family: 'wavenet-ae',
    sampleRate: options.sampleRate ?? H512_BO16.sampleRate,
    hop: options.hop ?? H512_BO16.hop,
    filterLength: dim('startconv/W', 1),
    numLayers: countLayers(shapes, /^dilatedconv_(\d+)\/W$/),
    numStages: options.numStages ?? H512_BO16.numStages,
    width: dim('startconv/W', 3),
    skipWidth: dim('skip_start/W', 3),
    aeNumLayers: countLayers(shapes, /^ae_dilatedconv_(\d+)\/W$/),
    aeNumStages: options.aeNumStages ?? H512_BO16.aeNumStages,
    aeWidth: dim('ae_startconv/W', 3),
    bottleneckWidth: dim('ae_bottleneck/W', 3),
    quantizationChannels: dim('logits/W', 3),
  };
  const expected = wavenetVariableShapes(config);
  for (const [name, shape] of expected) {
    const found = shapes.get(name);
    if (found === undefined) {
      throw new TfCheckpointError(`${file}: variable "${name}" of the WaveNet family is missing`, {
        file,
        tensor: name,
      });
    }
    if (found.length !== shape.length || found.some((d, i) => d !== shape[i])) {
      throw new TfCheckpointError(
        `${file}: variable "${name}" has shape [${found}], expected [${shape}] for the hyperparameters inferred from the other variables`,
        { file, tensor: name },
      );
    }
  }
  const extras = [...shapes.keys()].filter((name) => !expected.has(name));
  if (extras.length > 0) {
    const listed = extras
      .slice(0, 5)
      .map((n) => `"${n}"`)
      .join(', ');
    throw new TfCheckpointError(
      `${file}: ${extras.length} variable(s) that the WaveNet autoencoder family does not have (${listed}${extras.length > 5 ? ', …' : ''}): not an NSynth WaveNet checkpoint`,
      { file, tensor: extras[0] },
    );
  }
  return config;
}

export interface ImportTfCheckpointOptions extends WaveNetShapeFreeOptions {
  /** Use the `…/ExponentialMovingAverage` weights instead of the raw ones (default false, as fastgen). */
  ema?: boolean;
  /** Package name (default "nsynth" for h512_bo16, else "wavenet-import"). */
  name?: string;
  /** Package version (default: the checkpoint's global_step, else the number ending the prefix). */
  version?: string;
  /** Credits (default: NSynth's for h512_bo16; otherwise required to be meaningful, so a placeholder). */
  credits?: ModelCredits;
  /** Called after each tensor is read: bytes done so far, bytes in all, the tensor's name. */
  onProgress?: (done: number, total: number, tensor: string) => void;
}

export interface ImportTfCheckpointResult {
  dir: string;
  config: WaveNetModelConfig;
  weightsKind: WeightsKind;
  /** Tensors read and bytes read from the data shards. */
  tensors: number;
  bytes: number;
}

function sameConfig(a: WaveNetConfig, b: WaveNetConfig): boolean {
  return (Object.keys(a) as Array<keyof WaveNetConfig>).every((key) => a[key] === b[key]);
}

/**
 * Imports the checkpoint at `prefix` (or its `.index` file) into a wavenet-ae package in `outDir`.
 */
export async function importTfCheckpoint(
  prefix: string,
  outDir: string,
  options: ImportTfCheckpointOptions = {},
): Promise<ImportTfCheckpointResult> {
  const checkpoint = await TfCheckpoint.open(prefix);
  try {
    const file = checkpoint.index.indexPath;
    const wavenet = inferWaveNetConfig(checkpoint.tensors, file, options);
    const weightsKind: WeightsKind = options.ema ? 'ema' : 'raw';
    const sources = [...wavenetVariableShapes(wavenet).keys()].map((name) => {
      const source = options.ema ? `${name}${EMA_SUFFIX}` : name;
      const info = checkpoint.get(source);
      if (info === undefined) {
        throw new TfCheckpointError(
          `${file}: the moving average "${source}" is missing (import without --ema for the raw weights)`,
          {
            file,
            tensor: source,
          },
        );
      }
      return { name, info };
    });
    const total = sources.reduce((sum, s) => sum + s.info.size, 0);
    const weights: WeightMap = new Map();
    let done = 0;
    for (const { name, info } of sources) {
      const tensor = await checkpoint.readFloat32(info.name);
      const expected = wavenetVariableShapes(wavenet).get(name) as number[];
      if (tensor.shape.join(',') !== expected.join(',')) {
        throw new TfCheckpointError(
          `${file}: "${info.name}" has shape [${tensor.shape}], expected [${expected}]`,
          {
            file,
            tensor: info.name,
          },
        );
      }
      weights.set(name, tensor);
      done += info.size;
      options.onProgress?.(done, total, info.name);
    }
    let version = options.version;
    if (version === undefined && checkpoint.get('global_step') !== undefined) {
      version = String(await checkpoint.readIntegerScalar('global_step'));
    }
    version ??= /-(\d+)$/.exec(checkpoint.prefix)?.[1] ?? '1';
    const isNsynth = sameConfig(wavenet, H512_BO16);
    const credits =
      options.credits ??
      (isNsynth
        ? NSYNTH_CREDITS
        : {
            trainingData: [],
            model: `Imported by commonsynth from the TensorFlow checkpoint ${basename(checkpoint.prefix)}; add its authors and training data.`,
            license: 'unknown',
          });
    const packageOptions = {
      name: options.name ?? (isNsynth ? 'nsynth' : 'wavenet-import'),
      version,
      wavenet,
      weights,
      credits,
      weightsKind,
    };
    await saveWaveNetPackage(outDir, packageOptions);
    return {
      dir: outDir,
      config: wavenetModelConfig(packageOptions),
      weightsKind,
      tensors: sources.length,
      bytes: total,
    };
  } finally {
    await checkpoint.close();
  }
}
