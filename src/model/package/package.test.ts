import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_ODD_WAVENET } from '../../../test/helpers/tiny-wavenet.js';
import { randomWaveNetWeights } from '../random-weights.js';
import { writeSafetensors } from '../safetensors.js';
import type { WeightMap } from '../tensor.js';
import { wavenetVariableShapes } from '../wavenet-config.js';
import { type ModelCredits, validateModelConfig } from './config.js';
import { ModelPackageError } from './errors.js';
import { loadModelPackage } from './load.js';
import { saveWaveNetPackage } from './save.js';

const CREDITS: ModelCredits = {
  trainingData: [{ title: 'Test tones', author: 'commonsynth tests', license: 'CC0-1.0' }],
  model: 'Random weights for tests.',
  license: 'CC0-1.0',
};

const bytesOf = (data: Float32Array): Buffer =>
  Buffer.from(data.buffer, data.byteOffset, data.byteLength);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'commonsynth-package-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
async function savedPackage(
  weights: WeightMap = randomWaveNetWeights(TINY_ODD_WAVENET, 7),
): Promise<string> {
  const dir = join(root, `pkg-${counter++}`);
  await saveWaveNetPackage(dir, {
    name: 'tiny',
    version: '1.0.0',
    wavenet: TINY_ODD_WAVENET,
    weights,
    credits: CREDITS,
  });
  return dir;
}

async function rewriteConfig(
  dir: string,
  edit: (config: Record<string, unknown>) => void,
): Promise<void> {
  const path = join(dir, 'config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(config);
  await writeFile(path, JSON.stringify(config));
}

async function loadError(dir: string): Promise<ModelPackageError> {
  const error = await loadModelPackage(dir, { strict: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelPackageError);
  expect((error as ModelPackageError).code).toBe('MODEL_PACKAGE');
  return error as ModelPackageError;
}

describe('randomWaveNetWeights', () => {
  it('fills every variable of the family, reproducibly from the seed, at a small scale', () => {
    const a = randomWaveNetWeights(TINY_ODD_WAVENET, 42);
    const b = randomWaveNetWeights(TINY_ODD_WAVENET, 42);
    const c = randomWaveNetWeights(TINY_ODD_WAVENET, 43);
    const shapes = wavenetVariableShapes(TINY_ODD_WAVENET);
    expect([...a.keys()]).toEqual([...shapes.keys()]);
    for (const [name, shape] of shapes) {
      const tensor = a.get(name);
      expect(tensor?.shape).toEqual(shape);
      expect(tensor?.data).toEqual(b.get(name)?.data);
      const bound = shape.length === 4 ? 1 / Math.sqrt(shape[1] * shape[2]) : 0.05;
      expect(Math.max(...(tensor?.data ?? []).map(Math.abs))).toBeLessThanOrEqual(bound);
    }
    expect(a.get('logits/W')?.data).not.toEqual(c.get('logits/W')?.data);
  });
});

describe('saveWaveNetPackage + loadModelPackage', () => {
  it('round-trips config and weights bit for bit', async () => {
    const weights = randomWaveNetWeights(TINY_ODD_WAVENET, 7);
    const dir = join(root, 'roundtrip');
    await saveWaveNetPackage(dir, {
      name: 'tiny',
      version: '1.0.0',
      wavenet: TINY_ODD_WAVENET,
      weights,
      credits: CREDITS,
      weightsKind: 'ema',
    });
    const loaded = await loadModelPackage(dir);
    expect(loaded.family).toBe('wavenet-ae');
    if (loaded.family !== 'wavenet-ae') return;
    expect(loaded.warnings).toEqual([]);
    expect(loaded.wavenet).toEqual(TINY_ODD_WAVENET);
    expect(loaded.config).toMatchObject({
      format: 'commonsynth-model',
      formatVersion: 1,
      name: 'tiny',
      version: '1.0.0',
      family: 'wavenet-ae',
      sampleRate: 16000,
      hop: 32,
      embeddingDims: 4,
      weights: 'ema',
      credits: CREDITS,
      files: { weights: 'weights.safetensors' },
    });
    expect([...loaded.weights.keys()].sort()).toEqual([...weights.keys()].sort());
    for (const [name, tensor] of weights) {
      const got = loaded.weights.get(name);
      if (got === undefined) throw new Error(`${name} not loaded`);
      expect(got.shape).toEqual(tensor.shape);
      expect(bytesOf(got.data)).toEqual(bytesOf(tensor.data));
    }
  });

  it('writes a safetensors file that a plain reading of the format agrees with', async () => {
    const weights = randomWaveNetWeights(TINY_ODD_WAVENET, 3);
    const dir = await savedPackage(weights);
    const bytes = await readFile(join(dir, 'weights.safetensors'));
    // Independent reading: u64 LE header length, JSON header, data after it.
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const dataStart = 8 + headerLength;
    expect(dataStart % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8')) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] }
    >;
    expect(header.__metadata__).toMatchObject({
      format: 'commonsynth-model',
      family: 'wavenet-ae',
    });
    let total = 0;
    for (const [name, tensor] of weights) {
      const entry = header[name];
      expect(entry.dtype).toBe('F32');
      expect(entry.shape).toEqual(tensor.shape);
      const [begin, end] = entry.data_offsets;
      total += end - begin;
      for (let i = 0; i < tensor.data.length; i += 7) {
        expect(bytes.readFloatLE(dataStart + begin + 4 * i)).toBe(tensor.data[i]);
      }
    }
    expect(dataStart + total).toBe(bytes.byteLength);
  });

  it('refuses to save weights that do not match the hyperparameters', async () => {
    const weights = randomWaveNetWeights(TINY_ODD_WAVENET, 1);
    weights.delete('res_2/W');
    await expect(
      saveWaveNetPackage(join(root, 'never'), {
        name: 'x',
        version: '1',
        wavenet: TINY_ODD_WAVENET,
        weights,
        credits: CREDITS,
      }),
    ).rejects.toThrow(/"res_2\/W" is missing/);
  });
});

describe('loadModelPackage errors', () => {
  it('names a folder without config.json', async () => {
    const dir = join(root, 'empty');
    await mkdir(dir, { recursive: true });
    const error = await loadError(dir);
    expect(error.message).toMatch(/not a model package: it has no config.json/);
    expect(error.file).toBe(join(dir, 'config.json'));
  });

  it('names bad JSON and bad fields', async () => {
    const dir = await savedPackage();
    await writeFile(join(dir, 'config.json'), '{"format": ');
    expect((await loadError(dir)).message).toMatch(/config.json is not valid JSON/);

    const cases: Array<[(c: Record<string, unknown>) => void, string, RegExp]> = [
      [(c) => (c.format = 'other'), 'format', /format must be "commonsynth-model"/],
      [(c) => (c.formatVersion = 2), 'formatVersion', /newer than this commonsynth reads/],
      [(c) => (c.family = 'diffusion'), 'family', /family must be one of wavenet-ae, parallel-ae/],
      [(c) => (c.name = '../evil'), 'name', /name must be letters/],
      [
        (c) => (c.embeddingDims = 16),
        'embeddingDims',
        /embeddingDims is 16 but hyperparameters.bottleneckWidth is 4/,
      ],
      [(c) => (c.weights = 'adam'), 'weights', /weights must be "raw" or "ema"/],
      [
        (c) => ((c.hyperparameters as Record<string, unknown>).width = 0),
        'hyperparameters.width',
        /hyperparameters.width must be a positive integer, got 0/,
      ],
      [
        (c) => ((c.hyperparameters as Record<string, unknown>).dropout = 0.1),
        'hyperparameters.dropout',
        /is not a WaveNet hyperparameter/,
      ],
      [
        (c) => delete (c.hyperparameters as Record<string, unknown>).numStages,
        'hyperparameters.numStages',
        /numStages must be a positive integer, got nothing/,
      ],
      [
        (c) => (c.credits = { trainingData: [{}], model: 'm', license: 'l' }),
        'credits.trainingData[0].title',
        /title/,
      ],
      [(c) => (c.files = { weights: '/etc/passwd' }), 'files.weights', /plain file name/],
    ];
    for (const [edit, field, message] of cases) {
      const broken = await savedPackage();
      await rewriteConfig(broken, edit);
      const error = await loadError(broken);
      expect(error.field, field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.file).toBe(join(broken, 'config.json'));
    }
  });

  it('warns about unknown top-level fields', async () => {
    const dir = await savedPackage();
    await rewriteConfig(dir, (c) => (c.comment = 'hello'));
    const loaded = await loadModelPackage(dir);
    expect(loaded.warnings).toEqual([
      `${join(dir, 'config.json')}: unknown field "comment" ignored`,
    ]);
  });

  it('names missing, misshapen, mistyped, non-finite and extra variables', async () => {
    const missing = randomWaveNetWeights(TINY_ODD_WAVENET, 2);
    missing.delete('cond_map_3/biases');
    const misshapen = randomWaveNetWeights(TINY_ODD_WAVENET, 2);
    misshapen.set('skip_start/W', { shape: [1, 1, 8, 5], data: new Float32Array(40) });
    const nonFinite = randomWaveNetWeights(TINY_ODD_WAVENET, 2);
    (nonFinite.get('ae_res_2/W')?.data as Float32Array)[3] = Number.NaN;
    const cases: Array<[WeightMap, string, RegExp]> = [
      [missing, 'cond_map_3/biases', /"cond_map_3\/biases" is missing \(expected shape \[16\]\)/],
      [misshapen, 'skip_start/W', /"skip_start\/W" has shape \[1,1,8,5\], expected \[1,1,8,6\]/],
      [nonFinite, 'ae_res_2/W', /"ae_res_2\/W" holds a non-finite value \(NaN\) at index 3/],
    ];
    for (const [weights, variable, message] of cases) {
      const dir = await savedPackage();
      const file = join(dir, 'weights.safetensors');
      await writeSafetensors(file, weights);
      const error = await loadError(dir);
      expect(error.variable).toBe(variable);
      expect(error.file).toBe(file);
      expect(error.message).toMatch(message);
    }

    const extra = randomWaveNetWeights(TINY_ODD_WAVENET, 2);
    extra.set('global_step', { shape: [], data: new Float32Array(1) });
    const dir = await savedPackage();
    const file = join(dir, 'weights.safetensors');
    await writeSafetensors(file, extra);
    const loaded = await loadModelPackage(dir);
    expect(loaded.warnings).toEqual([
      `${file}: variable "global_step" is not used by the wavenet-ae family; ignored`,
    ]);
    const strict = await loadModelPackage(dir, { strict: true }).catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(ModelPackageError);
    expect((strict as ModelPackageError).variable).toBe('global_step');
  });

  it('names a non-F32 tensor and a damaged safetensors file', async () => {
    const dir = await savedPackage();
    const file = join(dir, 'weights.safetensors');
    const bytes = await readFile(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + headerLength).toString('utf8');
    // Relabel one F32 tensor as I32 (same size): the file stays well-formed.
    const relabelled = header.replace('"logits/W":{"dtype":"F32"', '"logits/W":{"dtype":"I32"');
    expect(relabelled).not.toBe(header);
    await writeFile(
      file,
      Buffer.concat([
        bytes.subarray(0, 8),
        Buffer.from(relabelled),
        bytes.subarray(8 + headerLength),
      ]),
    );
    let error = await loadError(dir);
    expect(error.variable).toBe('logits/W');
    expect(error.message).toMatch(/"logits\/W" is I32; weights must be F32/);

    await writeFile(file, bytes.subarray(0, bytes.byteLength - 4));
    error = await loadError(dir);
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/data_offsets .* lie outside|unused bytes/);

    await rm(file);
    error = await loadError(dir);
    expect(error.message).toMatch(/cannot read .*weights.safetensors/);
  });
});

describe('parallel-ae packages', () => {
  it('loads the ONNX file paths and checks both files are there', async () => {
    const dir = join(root, 'parallel');
    await mkdir(dir, { recursive: true });
    const config = {
      format: 'commonsynth-model',
      formatVersion: 1,
      name: 'commonsynth-small',
      version: '0.1.0',
      family: 'parallel-ae',
      sampleRate: 16000,
      hop: 512,
      embeddingDims: 16,
      hyperparameters: { channels: 64, layers: 8 },
      credits: CREDITS,
      files: { encoder: 'encoder.onnx', decoder: 'decoder.onnx' },
    };
    expect(validateModelConfig(config).warnings).toEqual([]);
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    await writeFile(join(dir, 'encoder.onnx'), 'not checked here');
    let error = await loadError(dir);
    expect(error.file).toBe(join(dir, 'decoder.onnx'));
    expect(error.message).toMatch(/decoder file .* is missing/);
    await writeFile(join(dir, 'decoder.onnx'), 'not checked here');
    const loaded = await loadModelPackage(dir);
    expect(loaded).toMatchObject({
      family: 'parallel-ae',
      dir,
      encoderPath: join(dir, 'encoder.onnx'),
      decoderPath: join(dir, 'decoder.onnx'),
    });
    await writeFile(join(dir, 'decoder.onnx'), '');
    error = await loadError(dir);
    expect(error.message).toMatch(/decoder file .* is empty/);
  });
});
