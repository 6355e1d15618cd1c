import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { float32Values, readSafetensors, SafetensorsError } from '../safetensors.js';
import { elementCount, type Tensor, type WeightMap } from '../tensor.js';
import { type WaveNetConfig, wavenetVariableShapes } from '../wavenet-config.js';
import { type ParallelModelConfig, readModelConfig, type WaveNetModelConfig } from './config.js';
import { ModelPackageError } from './errors.js';

export interface WaveNetPackage {
  family: 'wavenet-ae';
  dir: string;
  config: WaveNetModelConfig;
  /** The hyperparameters (the same object as config.hyperparameters). */
  wavenet: WaveNetConfig;
  weights: WeightMap;
  /** Things that were ignored while loading (unknown fields, extra tensors). */
  warnings: string[];
}

export interface ParallelPackage {
  family: 'parallel-ae';
  dir: string;
  config: ParallelModelConfig;
  encoderPath: string;
  decoderPath: string;
  warnings: string[];
}

export type ModelPackage = WaveNetPackage | ParallelPackage;

export interface LoadModelPackageOptions {
  /** Treat tensors that the family does not use as errors instead of warnings (default false). */
  strict?: boolean;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Checks that `weights` holds exactly the variables of `cfg` with their exact shapes and finite
 * values. Missing variables, wrong shapes and non-finite values are errors; extra variables
 * are errors when `strict`, otherwise they are returned as warnings. `file` names the weights
 * file in errors.
 */
export function checkWaveNetWeights(
  cfg: WaveNetConfig,
  weights: ReadonlyMap<string, Tensor>,
  file: string,
  options: { strict?: boolean } = {},
): string[] {
  const expected = wavenetVariableShapes(cfg);
  for (const [name, shape] of expected) {
    const tensor = weights.get(name);
    if (tensor === undefined) {
      throw new ModelPackageError(
        `${file}: variable "${name}" is missing (expected shape [${shape}])`,
        {
          file,
          variable: name,
        },
      );
    }
    if (!sameShape(tensor.shape, shape)) {
      throw new ModelPackageError(
        `${file}: variable "${name}" has shape [${tensor.shape}], expected [${shape}] for these hyperparameters`,
        { file, variable: name },
      );
    }
    if (tensor.data.length !== elementCount(shape)) {
      throw new ModelPackageError(
        `${file}: variable "${name}" holds ${tensor.data.length} values, shape [${shape}] needs ${elementCount(shape)}`,
        { file, variable: name },
      );
    }
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new ModelPackageError(
          `${file}: variable "${name}" holds a non-finite value (${data[i]}) at index ${i}`,
          {
            file,
            variable: name,
          },
        );
      }
    }
  }
  const warnings: string[] = [];
  for (const name of weights.keys()) {
    if (expected.has(name)) continue;
    if (options.strict) {
      throw new ModelPackageError(
        `${file}: variable "${name}" is not part of the wavenet-ae family`,
        {
          file,
          variable: name,
        },
      );
    }
    warnings.push(`${file}: variable "${name}" is not used by the wavenet-ae family; ignored`);
  }
  return warnings;
}

async function requireFile(path: string, role: string, dir: string): Promise<void> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (error) {
    throw new ModelPackageError(
      `${dir}: the ${role} file ${path} is missing or unreadable (${(error as Error).message})`,
      {
        file: path,
        cause: error,
      },
    );
  }
  if (size === 0)
    throw new ModelPackageError(`${dir}: the ${role} file ${path} is empty`, { file: path });
}

/**
 * Loads a model package folder: validates config.json, then (wavenet-ae) reads the safetensors
 * weights and checks every variable's name, shape, dtype and values, or (parallel-ae) checks
 * that both ONNX files are there. Every failure is a ModelPackageError naming the file and the
 * field or variable.
 */
export async function loadModelPackage(
  dir: string,
  options: LoadModelPackageOptions = {},
): Promise<ModelPackage> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error('not a folder');
  } catch (error) {
    throw new ModelPackageError(
      `${dir} is not a model package folder (${(error as Error).message})`,
      {
        file: dir,
        cause: error,
      },
    );
  }
  const { config, warnings } = await readModelConfig(dir);
  if (config.family === 'parallel-ae') {
    const encoderPath = join(dir, config.files.encoder);
    const decoderPath = join(dir, config.files.decoder);
    await requireFile(encoderPath, 'encoder', dir);
    await requireFile(decoderPath, 'decoder', dir);
    return { family: 'parallel-ae', dir, config, encoderPath, decoderPath, warnings };
  }
  const file = join(dir, config.files.weights);
  const weights: WeightMap = new Map();
  try {
    const contents = await readSafetensors(file);
    for (const [name, entry] of contents.tensors) {
      if (entry.dtype !== 'F32') {
        throw new ModelPackageError(
          `${file}: variable "${name}" is ${entry.dtype}; weights must be F32`,
          {
            file,
            variable: name,
          },
        );
      }
      weights.set(name, { shape: entry.shape, data: float32Values(entry, name, file) });
    }
  } catch (error) {
    if (error instanceof SafetensorsError) {
      throw new ModelPackageError(error.message, { file, variable: error.tensor, cause: error });
    }
    throw error;
  }
  warnings.push(...checkWaveNetWeights(config.hyperparameters, weights, file, options));
  return { family: 'wavenet-ae', dir, config, wavenet: config.hyperparameters, weights, warnings };
}
