/**
 * config.json of a model package: what the package is, how to run it, and whom to credit.
 * docs/models.md documents every field; keep the two in step.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WaveNetConfig } from '../wavenet-config.js';
import { ModelPackageError } from './errors.js';

export const MODEL_FORMAT = 'commonsynth-model';
export const MODEL_FORMAT_VERSION = 1;
export const CONFIG_FILE = 'config.json';
/** Default file names inside a package. */
export const WEIGHTS_FILE = 'weights.safetensors';
export const ENCODER_FILE = 'encoder.onnx';
export const DECODER_FILE = 'decoder.onnx';

export const MODEL_FAMILIES = ['wavenet-ae', 'parallel-ae'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** Which copy of an imported TensorFlow checkpoint's weights a package holds. */
export type WeightsKind = 'raw' | 'ema';

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** One source of training data (a data set, or one recording). */
export interface TrainingDataCredit {
  title: string;
  author?: string;
  license?: string;
  /** Where it can be found (a URL). */
  source?: string;
}

export interface ModelCredits {
  trainingData: TrainingDataCredit[];
  /** Who made the model, in prose (authors, paper, code). */
  model: string;
  /** The license of the weights. */
  license: string;
}

interface ModelConfigBase {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  name: string;
  version: string;
  sampleRate: number;
  hop: number;
  embeddingDims: number;
  /** Set by checkpoint imports: the raw weights or their exponential moving average. */
  weights?: WeightsKind;
  credits: ModelCredits;
}

export interface WaveNetModelConfig extends ModelConfigBase {
  family: 'wavenet-ae';
  hyperparameters: WaveNetConfig;
  files: { weights: string };
}

export interface ParallelModelConfig extends ModelConfigBase {
  family: 'parallel-ae';
  /** Whatever the trainer records; commonsynth does not interpret it. */
  hyperparameters: { [key: string]: JsonValue };
  files: { encoder: string; decoder: string };
}

export type ModelConfig = WaveNetModelConfig | ParallelModelConfig;

/** The integer fields of WaveNetConfig, in the order docs/models.md lists them. */
export const WAVENET_INTEGER_FIELDS = [
  'sampleRate',
  'hop',
  'filterLength',
  'numLayers',
  'numStages',
  'width',
  'skipWidth',
  'aeNumLayers',
  'aeNumStages',
  'aeWidth',
  'bottleneckWidth',
  'quantizationChannels',
] as const satisfies ReadonlyArray<Exclude<keyof WaveNetConfig, 'family'>>;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** config.json's fields, in the order they are written (and documented). */
const FIELD_ORDER = [
  'format',
  'formatVersion',
  'name',
  'version',
  'family',
  'sampleRate',
  'hop',
  'embeddingDims',
  'hyperparameters',
  'weights',
  'credits',
  'files',
] as const;
const KNOWN_TOP_LEVEL = new Set<string>(FIELD_ORDER);

type Fields = Record<string, unknown>;

/** Checks config.json fields, throwing a ModelPackageError that names `file` and the field. */
class Checker {
  readonly warnings: string[] = [];
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new ModelPackageError(`${this.file}: ${field} ${problem}`, { file: this.file, field });
  }

  object(value: unknown, field: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field, `must be an object, got ${describe(value)}`);
    }
    return value as Fields;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(field, `must be a non-empty string, got ${describe(value)}`);
    }
    return value as string;
  }

  optionalString(value: unknown, field: string): string | undefined {
    return value === undefined ? undefined : this.string(value, field);
  }

  positiveInteger(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      this.fail(field, `must be a positive integer, got ${describe(value)}`);
    }
    return value as number;
  }

  /** A plain file name inside the package folder: no folders, so a package cannot point outside itself. */
  fileName(value: unknown, field: string): string {
    const name = this.string(value, field);
    if (name.includes('/') || name.includes('\\') || name === '.' || name === '..') {
      this.fail(
        field,
        `must be a plain file name inside the package folder, got ${JSON.stringify(name)}`,
      );
    }
    return name;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** Validates WaveNet hyperparameters: exactly the fields of WaveNetConfig, all positive integers. */
export function validateWaveNetConfig(
  value: unknown,
  file = CONFIG_FILE,
  prefix = 'hyperparameters',
): WaveNetConfig {
  const check = new Checker(file);
  const fields = check.object(value, prefix);
  if (fields.family !== 'wavenet-ae')
    check.fail(`${prefix}.family`, `must be "wavenet-ae", got ${describe(fields.family)}`);
  const known = new Set<string>(['family', ...WAVENET_INTEGER_FIELDS]);
  for (const key of Object.keys(fields)) {
    if (!known.has(key)) check.fail(`${prefix}.${key}`, 'is not a WaveNet hyperparameter');
  }
  const config = { family: 'wavenet-ae' } as WaveNetConfig;
  for (const key of WAVENET_INTEGER_FIELDS)
    config[key] = check.positiveInteger(fields[key], `${prefix}.${key}`);
  return config;
}

function validateCredits(check: Checker, value: unknown): ModelCredits {
  const fields = check.object(value, 'credits');
  if (!Array.isArray(fields.trainingData)) {
    check.fail('credits.trainingData', `must be an array, got ${describe(fields.trainingData)}`);
  }
  const trainingData = (fields.trainingData as unknown[]).map((item, i) => {
    const field = `credits.trainingData[${i}]`;
    const entry = check.object(item, field);
    const credit: TrainingDataCredit = { title: check.string(entry.title, `${field}.title`) };
    for (const key of ['author', 'license', 'source'] as const) {
      const text = check.optionalString(entry[key], `${field}.${key}`);
      if (text !== undefined) credit[key] = text;
    }
    return credit;
  });
  return {
    trainingData,
    model: check.string(fields.model, 'credits.model'),
    license: check.string(fields.license, 'credits.license'),
  };
}

export interface ValidatedConfig {
  config: ModelConfig;
  /** Fields that were ignored (unknown keys from a newer writer, say). */
  warnings: string[];
}

/**
 * Validates the parsed contents of a config.json. `file` names it in errors and warnings.
 * Unknown top-level fields are reported as warnings, not errors, so that older readers can
 * open packages with optional additions; a newer formatVersion is an error.
 */
export function validateModelConfig(value: unknown, file = CONFIG_FILE): ValidatedConfig {
  const check = new Checker(file);
  const fields = check.object(value, 'config');
  if (fields.format !== MODEL_FORMAT)
    check.fail('format', `must be "${MODEL_FORMAT}", got ${describe(fields.format)}`);
  if (fields.formatVersion !== MODEL_FORMAT_VERSION) {
    const newer =
      typeof fields.formatVersion === 'number' && fields.formatVersion > MODEL_FORMAT_VERSION;
    check.fail(
      'formatVersion',
      newer
        ? `is ${fields.formatVersion}, newer than this commonsynth reads (${MODEL_FORMAT_VERSION}): upgrade commonsynth`
        : `must be ${MODEL_FORMAT_VERSION}, got ${describe(fields.formatVersion)}`,
    );
  }
  const name = check.string(fields.name, 'name');
  if (!NAME_PATTERN.test(name)) {
    check.fail(
      'name',
      `must be letters, digits, ".", "_" or "-" (starting with a letter or digit), got ${describe(name)}`,
    );
  }
  const family = fields.family;
  if (!MODEL_FAMILIES.includes(family as ModelFamily)) {
    check.fail('family', `must be one of ${MODEL_FAMILIES.join(', ')}, got ${describe(family)}`);
  }
  const base = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    name,
    version: check.string(fields.version, 'version'),
    sampleRate: check.positiveInteger(fields.sampleRate, 'sampleRate'),
    hop: check.positiveInteger(fields.hop, 'hop'),
    embeddingDims: check.positiveInteger(fields.embeddingDims, 'embeddingDims'),
    credits: validateCredits(check, fields.credits),
  } as const;
  let weights: WeightsKind | undefined;
  if (fields.weights !== undefined) {
    if (fields.weights !== 'raw' && fields.weights !== 'ema') {
      check.fail('weights', `must be "raw" or "ema", got ${describe(fields.weights)}`);
    }
    weights = fields.weights as WeightsKind;
  }
  const files = check.object(fields.files, 'files');
  let config: ModelConfig;
  if (family === 'wavenet-ae') {
    const hyperparameters = validateWaveNetConfig(fields.hyperparameters, file);
    // The top-level summary must agree with the hyperparameters it summarises.
    const pairs = [
      ['sampleRate', base.sampleRate, 'sampleRate', hyperparameters.sampleRate],
      ['hop', base.hop, 'hop', hyperparameters.hop],
      ['embeddingDims', base.embeddingDims, 'bottleneckWidth', hyperparameters.bottleneckWidth],
    ] as const;
    for (const [top, topValue, inner, innerValue] of pairs) {
      if (topValue !== innerValue)
        check.fail(top, `is ${topValue} but hyperparameters.${inner} is ${innerValue}`);
    }
    config = {
      ...base,
      family,
      hyperparameters,
      files: { weights: check.fileName(files.weights, 'files.weights') },
    };
  } else {
    const hyperparameters = check.object(fields.hyperparameters, 'hyperparameters') as {
      [key: string]: JsonValue;
    };
    config = {
      ...base,
      family: 'parallel-ae',
      hyperparameters,
      files: {
        encoder: check.fileName(files.encoder, 'files.encoder'),
        decoder: check.fileName(files.decoder, 'files.decoder'),
      },
    };
  }
  if (weights !== undefined) config.weights = weights;
  // Rebuild in the documented field order, so written files read in that order.
  const fieldsOf = config as unknown as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) if (fieldsOf[key] !== undefined) ordered[key] = fieldsOf[key];
  config = ordered as unknown as ModelConfig;
  for (const key of Object.keys(fields)) {
    if (!KNOWN_TOP_LEVEL.has(key)) check.warnings.push(`${file}: unknown field "${key}" ignored`);
  }
  return { config, warnings: check.warnings };
}

/** Reads and validates `<dir>/config.json`. */
export async function readModelConfig(dir: string): Promise<ValidatedConfig> {
  const file = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelPackageError(
      missing
        ? `${dir} is not a model package: it has no ${CONFIG_FILE}`
        : `cannot read ${file}: ${(error as Error).message}`,
      { file, cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelPackageError(`${file} is not valid JSON: ${(error as Error).message}`, {
      file,
      cause: error,
    });
  }
  return validateModelConfig(parsed, file);
}
